"""The awareness section of "Mon établissement": where the establishment stands and what to do next.

One section for the key ``awareness`` (it replaces the built-in empty state). Whatever the establishment's state
— no programme published yet, a programme open but not joined, enrolled — it names the relays the establishment
already has (never asks a hospital that has one to name one) and ends on the next step with its button.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from establishments.participation import Section, awareness_relay_context, register


def _next_step_enrolled(request, establishment, enrolment, data: dict) -> tuple[str, str, str]:
    from . import selectors

    counts = selectors.learner_counts(establishment)
    data["learners"] = counts["active"]
    can_manage = data["can_manage"]
    if not counts["active"] and can_manage:
        return (
            _("Importez la liste de vos personnels pour recevoir modules et campagnes."),
            _("Importer les personnels"),
            reverse("awareness:import_learners", args=[establishment.pk]),
        )
    if not enrolment.staff_informed_on and can_manage:
        return (
            _("Enregistrez l'information donnée aux personnels sur l'usage de leurs données."),
            _("Enregistrer l'information"),
            reverse("awareness:information", args=[establishment.pk]),
        )
    if can_manage and selectors.retraining_list(request.user, establishment).filter(completed_at__isnull=True).exists():
        return (
            _("Des personnes piégées doivent suivre le module de remédiation."),
            _("Voir la liste de remédiation"),
            reverse("awareness:retraining", args=[establishment.pk]),
        )
    return (
        _("Consultez les résultats anonymes du trimestre et téléchargez le rapport."),
        _("Voir la sensibilisation"),
        reverse("awareness:establishment", args=[establishment.pk]),
    )


def _next_step_without_programme(establishment, data: dict) -> tuple[str, str, str]:
    """No programme published by the CRRC this year: the relay is what the establishment can prepare."""
    if data["relays"]:
        return (
            _("Demandez au CRRC un kit de sensibilisation en attendant son programme de l'année."),
            _("Demander un kit de sensibilisation"),
            reverse("contact"),
        )
    if data["can_name_relays"]:
        return (
            _("Nommez un relais sensibilisation parmi vos membres pour recevoir les kits et campagnes du CRRC."),
            _("Nommer un relais parmi les membres"),
            reverse("establishments:members", args=[establishment.pk]),
        )
    return (
        _("Nommez un relais sensibilisation : demandez à votre direction de désigner l'un de vos membres."),
        _("Voir la sensibilisation"),
        reverse("awareness:establishment", args=[establishment.pk]),
    )


def context(request, establishment) -> dict:
    from establishments.roles import Capability
    from establishments.selectors import can

    from . import selectors, services

    programme = services.current_programme(establishment)
    enrolment = selectors.enrolment_of(establishment, programme)
    data = awareness_relay_context(establishment)
    data.update(
        programme=programme,
        enrolment=enrolment if enrolment and enrolment.is_active else None,
        can_manage=selectors.can_manage_learners(request.user, establishment),
    )
    data["can_name_relays"] = not data["relays"] and can(request.user, establishment, Capability.MANAGE_MEMBERS)
    if data["enrolment"] is not None:
        step, label, url = _next_step_enrolled(request, establishment, data["enrolment"], data)
    elif programme is not None:
        step, label, url = (
            _("Inscrivez l'établissement au programme de l'année.")
            if data["can_manage"]
            else _("Découvrez le programme de l'année ; l'inscription revient au sponsor (direction) ou aux relais."),
            _("Découvrir et rejoindre le programme"),
            reverse("awareness:establishment", args=[establishment.pk]),
        )
    else:
        step, label, url = _next_step_without_programme(establishment, data)
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
