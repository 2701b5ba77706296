"""The awareness section of "Mon établissement": where the establishment stands and what to do next."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from establishments.participation import Section, register


def context(request, establishment) -> dict:
    from . import selectors, services

    programme = services.current_programme(establishment)
    enrolment = selectors.enrolment_of(establishment, programme)
    data = {"programme": programme, "enrolment": enrolment if enrolment and enrolment.is_active else None,
            "establishment_pk": establishment.pk}  # fmt: skip
    if data["enrolment"] is None:
        return data
    counts = selectors.learner_counts(establishment)
    data["learners"] = counts["active"]
    home = reverse("awareness:establishment", args=[establishment.pk])
    can_manage = selectors.can_manage_learners(request.user, establishment)
    if not counts["active"] and can_manage:
        step, label, url = (
            _("Importez la liste de vos personnels pour recevoir modules et campagnes."),
            _("Importer les personnels"),
            reverse("awareness:import_learners", args=[establishment.pk]),
        )
    elif not enrolment.staff_informed_on and can_manage:
        step, label, url = (
            _("Enregistrez l'information donnée aux personnels sur l'usage de leurs données."),
            _("Enregistrer l'information"),
            reverse("awareness:information", args=[establishment.pk]),
        )
    elif (
        can_manage and selectors.retraining_list(request.user, establishment).filter(completed_at__isnull=True).exists()
    ):
        step, label, url = (
            _("Des personnes piégées doivent suivre le module de remédiation."),
            _("Voir la liste de remédiation"),
            reverse("awareness:retraining", args=[establishment.pk]),
        )
    else:
        step, label, url = (
            _("Consultez les résultats anonymes du trimestre et téléchargez le rapport."),
            _("Voir la sensibilisation"),
            home,
        )
    data.update(next_step=step, next_label=label, next_url=url)
    return data


def register_section() -> None:
    register(
        Section(
            key="awareness",
            title=gettext_lazy("Sensibilisation"),
            template="awareness/participation.html#section",
            order=60,
            context=context,
        )
    )
