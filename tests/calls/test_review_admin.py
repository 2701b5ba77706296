import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from calls.review.priority import refresh_priorities

from .factories import CallFactory
from .review_factories import LabelFactory, reviewer_of, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(admin_user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    return admin_user


@pytest.fixture
def admin_reviewer(db):
    def make(region):
        user = reviewer_of(region)
        group = Group.objects.filter(name="Équipe CRRC").first()
        if group:
            user.groups.add(group)
        else:
            user.is_superuser = True
        user.save()
        return user

    return make


def test_admin_application_list_sorts_by_priority_and_filters_by_label(client, admin_user):
    call = CallFactory()
    low = under_review(call, declared_risk_level="low", establishment__name="EHPAD Priorité basse")
    high = under_review(call, declared_risk_level="critical", establishment__name="EHPAD Priorité haute")
    refresh_priorities([low, high])
    label = LabelFactory(call=call, name="À revoir")
    label.applications.add(low)
    client.force_login(admin_user)
    url = reverse("admin:calls_application_changelist")

    html = client.get(url).content.decode()
    assert html.index("EHPAD Priorité haute") < html.index("EHPAD Priorité basse")
    assert "priorité" in html.lower()

    filtered = client.get(url + f"?label={label.pk}").content.decode()
    assert "EHPAD Priorité basse" in filtered and "EHPAD Priorité haute" not in filtered
    for params in (
        "state=en_instruction",
        f"establishment__department__id__exact={low.establishment.department_id}",
        "establishment__sector__exact=ESMS",
    ):
        assert client.get(url + "?" + params).status_code == 200


def test_admin_change_page_shows_review_inlines(client, admin_user):
    call = CallFactory()
    application = under_review(call)
    client.force_login(admin_user)
    html = client.get(reverse("admin:calls_application_change", args=[application.pk])).content.decode()
    assert "Notes d&#x27;instruction" in html or "notes d&#x27;instruction" in html.lower()


def test_admin_scoped_to_region(client, admin_reviewer):
    mine, other = CallFactory(), CallFactory()
    under_review(mine, establishment__name="EHPAD de ma région")
    foreign = under_review(other, establishment__name="EHPAD d'ailleurs")
    client.force_login(admin_reviewer(mine.region))
    html = client.get(reverse("admin:calls_application_changelist")).content.decode()
    assert "EHPAD de ma région" in html and "EHPAD d&#x27;ailleurs" not in html
    response = client.get(reverse("admin:calls_application_change", args=[foreign.pk]))
    assert response.status_code in (302, 404)
