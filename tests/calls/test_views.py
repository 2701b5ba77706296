import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calls import services
from calls.models import Application, Attachment
from calls.workflow import State
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

from .conftest import fill, pdf_upload
from .factories import PDF_BYTES, ApplicationFactory, CallFactory, RuleFactory, crrc_staff, editor_of

pytestmark = pytest.mark.django_db


def test_list_shows_open_calls_of_my_region_only(client, call, establishment, editor):
    CallFactory(title="Appel d'une autre région")
    CallFactory(region=call.region, title="Appel non publié", is_published=False)
    client.force_login(editor)
    page = client.get(reverse("calls:list")).content.decode()
    assert call.title in page
    assert "Appel d'une autre région" not in page
    assert "Appel non publié" not in page


def test_list_queries_are_bounded(client, call, establishment, editor, django_assert_max_num_queries):
    for _ in range(5):
        CallFactory(region=call.region)
    for _ in range(5):
        other = EstablishmentFactory(ehpad=True, department__region=call.region)
        MembershipFactory(user=editor, establishment=other, role="director")
        ApplicationFactory(call=call, establishment=other)
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("calls:list"))
    assert response.status_code == 200
    assert response.content.decode().count("crrc-state-brouillon") == 5


def test_detail_shows_eligibility_per_establishment_with_failing_rule(client, call, editor, establishment):
    hospital = EstablishmentFactory(department__region=call.region, name="Hôpital Test")
    MembershipFactory(user=editor, establishment=hospital, role="director")
    RuleFactory(call=call, label="Établissements médico-sociaux")
    client.force_login(editor)
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Commencer une candidature pour " + establishment.name in page
    assert "Hôpital Test" in page
    assert "L&#x27;appel est réservé aux établissements médico-sociaux (ESMS)." in page


def test_ineligible_start_is_refused_with_the_rule(client, call, editor):
    hospital = EstablishmentFactory(department__region=call.region)
    MembershipFactory(user=editor, establishment=hospital, role="director")
    RuleFactory(call=call, label="Établissements médico-sociaux")
    client.force_login(editor)
    response = client.post(reverse("calls:start", args=[call.slug]), {"establishment": hospital.pk}, follow=True)
    assert "Non éligible — Établissements médico-sociaux" in response.content.decode()
    assert not Application.objects.exists()


def test_start_then_autosave_then_submit(client, complete_call, establishment, editor):
    client.force_login(editor)
    response = client.post(reverse("calls:start", args=[complete_call.slug]), {"establishment": establishment.pk})
    application = Application.objects.get()
    assert response.url == application.get_absolute_url()
    response = client.post(
        reverse("calls:save_answer", args=[application.pk]),
        {"field": "motivation", "q_motivation": "Exercice de crise en mars", "v_motivation": "0"},
        headers={"HX-Request": "true"},
    )
    assert "Enregistré." in response.content.decode()
    assert application.answers.get().value == "Exercice de crise en mars"
    document = complete_call.documents.get()
    response = client.post(
        reverse("calls:upload", args=[application.pk, document.pk]),
        {"file": pdf_upload("bon de commande.pdf")},
        headers={"HX-Request": "true"},
    )
    assert "bon de commande.pdf" in response.content.decode()
    response = client.post(reverse("calls:act", args=[application.pk, "submit"]), follow=True)
    assert "Dossier déposé" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.EN_CONSTRUCTION
    response = client.post(reverse("calls:act", args=[application.pk, "submit"]), follow=True)
    assert "déjà été déposé" in response.content.decode()


def test_concurrent_edit_shows_a_conflict_and_keeps_the_other_version(client, draft, establishment, editor):
    colleague = editor_of(establishment)
    client.force_login(editor)
    services.save_answers(draft, colleague, {"motivation": ("Version du collègue", 0)})
    response = client.post(
        reverse("calls:save_answer", args=[draft.pk]),
        {"field": "motivation", "q_motivation": "Ma version", "v_motivation": "0"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "a modifié cette réponse" in page
    assert "Ma version" in page  # what I typed is shown, not lost
    assert draft.answers.get().value == "Version du collègue"


def test_refused_upload_keeps_the_draft(client, draft, editor):
    services.save_answers(draft, editor, {"motivation": ("Texte conservé", None)})
    document = draft.call.documents.get()
    client.force_login(editor)
    response = client.post(
        reverse("calls:upload", args=[draft.pk, document.pk]),
        {"file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary", content_type="application/pdf")},
        headers={"HX-Request": "true"},
    )
    assert "n&#x27;est pas reconnu" in response.content.decode()
    assert draft.answers.get().value == "Texte conservé"
    assert not Attachment.objects.exists()


def test_attachment_download_only_for_allowed_users(client, draft, editor):
    attachment = services.upload_attachment(draft, draft.call.documents.get(), pdf_upload(), editor)
    url = reverse("calls:download", args=[draft.pk, attachment.pk])
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(crrc_staff(draft.call.region))
    assert client.get(url).status_code == 200
    other_director = editor_of(EstablishmentFactory(ehpad=True, department__region=draft.call.region))
    client.force_login(other_director)
    assert client.get(url).status_code == 404


def test_isolation_between_establishments(client, draft):
    neighbour = EstablishmentFactory(ehpad=True, department__region=draft.call.region)
    client.force_login(editor_of(neighbour))
    assert client.get(draft.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("calls:save_answer", args=[draft.pk]), {"field": "motivation", "q_motivation": "intrus"}
    )
    assert response.status_code == 404
    assert client.post(reverse("calls:act", args=[draft.pk, "withdraw"])).status_code == 404
    assert not draft.answers.exists()


def test_view_only_member_sees_but_cannot_edit(client, draft, establishment):
    viewer = MembershipFactory(establishment=establishment).user
    client.force_login(viewer)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Déposer le dossier" not in page
    response = client.post(
        reverse("calls:save_answer", args=[draft.pk]),
        {"field": "motivation", "q_motivation": "non", "v_motivation": "0"},
        headers={"HX-Request": "true"},
    )
    assert "pas le droit" in response.content.decode()


def test_application_page_says_what_is_next(client, draft, editor):
    client.force_login(editor)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Complétez le formulaire" in page
    assert "Question obligatoire sans réponse : « Motivation »" in page


def test_answer_correction_from_the_page(client, draft, editor):
    fill(draft, editor)
    services.submit(draft, editor)
    staff = crrc_staff(draft.call.region)
    services.start_instruction(draft, staff)
    services.request_correction(draft, staff, "incomplete", "Ajoutez la date de l'exercice.")
    client.force_login(editor)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Ajoutez la date de l&#x27;exercice." in page
    client.post(reverse("calls:act", args=[draft.pk, "answer_correction"]), {"answer": "Date ajoutée"})
    draft.refresh_from_db()
    assert draft.state == State.EN_INSTRUCTION


def test_anonymous_is_sent_to_login(client, call):
    response = client.get(reverse("calls:list"))
    assert response.status_code == 302 and "/accounts/login" in response.url
    assert UserFactory  # factories importable for other test modules


def test_preferred_kind_is_autosaved(client, draft, editor):
    from .factories import ProjectKindFactory

    exercise = ProjectKindFactory(call=draft.call, label="Exercice de crise cyber")
    client.force_login(editor)
    response = client.post(
        reverse("calls:save_answer", args=[draft.pk]),
        {"field": "preferred_kind", "preferred_kind": exercise.pk},
        headers={"HX-Request": "true"},
    )
    assert "Enregistré." in response.content.decode()
    draft.refresh_from_db()
    assert draft.preferred_kind == exercise


def test_call_detail_queries_do_not_grow_with_establishments(
    client, call, editor, establishment, django_assert_max_num_queries
):
    RuleFactory(call=call)
    for _ in range(6):
        other = EstablishmentFactory(ehpad=True, department__region=call.region)
        MembershipFactory(user=editor, establishment=other, role="director")
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        response = client.get(call.get_absolute_url())
    assert response.content.decode().count("Commencer une candidature pour") == 7


def test_mon_etablissement_shows_where_the_application_stands(client, draft, editor, establishment):
    client.force_login(editor)
    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    assert draft.call.title in page
    assert "Complétez le formulaire" in page  # what is expected next
