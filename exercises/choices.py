"""Choices of the exercises app, declared once (models, forms, XLSX import and the register all read them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PLANNED = "planned", _("Planifié")
    READY = "ready", _("Prêt")
    RUNNING = "running", _("En cours")
    PAUSED = "paused", _("En pause")
    PLAYED = "played", _("Joué")
    DEBRIEFED = "debriefed", _("Débriefé")
    CLOSED = "closed", _("Clôturé")
    CANCELLED = "cancelled", _("Annulé")


class KitLevel(models.TextChoices):
    BEGINNER = "debutant", _("Débutant")
    INTERMEDIATE = "intermediaire", _("Intermédiaire")
    CONFIRMED = "confirme", _("Confirmé")


class Format(models.TextChoices):
    ON_SITE = "on_site", _("Sur site")
    REMOTE = "remote", _("À distance")


class Runner(models.TextChoices):
    CRRC = "crrc", _("Le CRRC")
    AWARDEE = "awardee", _("Titulaire du marché (accord-cadre)")


class Cell(models.TextChoices):
    ANIMATION = "animation", _("Cellule d'animation")
    CRISIS = "crisis", _("Cellule de crise")
    OBSERVERS = "observers", _("Observateurs")


class Function(models.TextChoices):
    DIRECTOR = "director", _("Directeur / directrice")
    IT = "it", _("Informatique")
    COMMUNICATION = "communication", _("Communication")
    MEDICAL = "medical", _("Médical / soins")
    LOGISTICS = "logistics", _("Logistique")
    QUALITY = "quality", _("Qualité / gestion des risques")
    OTHER = "other", _("Autre")


class Channel(models.TextChoices):
    PHONE = "phone", _("Téléphone")
    EMAIL = "email", _("Courriel")
    VISIT = "visit", _("Visite")
    PAPER = "paper", _("Papier")
    MEDIA = "media", _("Média")


class StimulusStatus(models.TextChoices):
    PENDING = "pending", _("À jouer")
    PLAYED = "played", _("Joué")
    SKIPPED = "skipped", _("Passé")


class ReactionScore(models.TextChoices):
    ACHIEVED = "achieved", _("Atteinte")
    PARTLY = "partly", _("Partiellement atteinte")
    NOT_ACHIEVED = "not_achieved", _("Non atteinte")


class ObservationKind(models.TextChoices):
    STRENGTH = "strength", _("Point fort")
    IMPROVEMENT = "improvement", _("Point d'amélioration")


class JournalSource(models.TextChoices):
    ANIMATION = "animation", _("Cellule d'animation")
    SYSTEM = "system", _("Système")


# Named source-state sets of the workflow.
EDITABLE_STATES = frozenset({State.DRAFT, State.PLANNED, State.READY})
LIVE_STATES = frozenset({State.RUNNING, State.PAUSED})
DEBRIEF_STATES = frozenset({State.PLAYED, State.DEBRIEFED})
FINISHED_STATES = frozenset({State.PLAYED, State.DEBRIEFED, State.CLOSED})
