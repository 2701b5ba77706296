"""Membership roles and what each may do, declared once and read everywhere."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Directeur / sponsor")
    RSSI = "rssi", _("RSSI ou référent informatique")
    AWARENESS_RELAY = "awareness_relay", _("Relais sensibilisation")
    MEMBER = "member", _("Membre")


class Capability(models.TextChoices):
    MANAGE_MEMBERS = "manage_members", _("Gérer les membres")
    EDIT_APPLICATIONS = "edit_applications", _("Rédiger les candidatures")
    FILL_ASSESSMENTS = "fill_assessments", _("Remplir les évaluations")
    MANAGE_ACTION_PLAN = "manage_action_plan", _("Gérer le plan d'action")
    MANAGE_AWARENESS = "manage_awareness", _("Gérer la sensibilisation")
    HANDLE_INCIDENTS = "handle_incidents", _("Déclarer et suivre les incidents cyber")
    VIEW = "view", _("Consulter")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.DIRECTOR: frozenset(Capability.values),
    Role.RSSI: frozenset(
        {
            Capability.EDIT_APPLICATIONS,
            Capability.FILL_ASSESSMENTS,
            Capability.MANAGE_ACTION_PLAN,
            Capability.MANAGE_AWARENESS,
            Capability.HANDLE_INCIDENTS,
            Capability.VIEW,
        }
    ),
    Role.AWARENESS_RELAY: frozenset({Capability.MANAGE_AWARENESS, Capability.FILL_ASSESSMENTS, Capability.VIEW}),
    Role.MEMBER: frozenset({Capability.VIEW}),
}


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


class StaffKind(models.TextChoices):
    CRRC_STAFF = "crrc_staff", _("Équipe CRRC")
    ARS_REVIEWER = "ars_reviewer", _("Référent ARS (lecture seule)")


class Sector(models.TextChoices):
    ES = "ES", _("Établissement de santé (ES)")
    ESMS = "ESMS", _("Établissement ou service médico-social (ESMS)")
    OTHER = "OTHER", _("Autre structure")
