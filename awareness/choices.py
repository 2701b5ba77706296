"""Choices of the awareness programme, declared once (models, forms, imports and reports read them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from establishments.roles import Role


class Theme(models.TextChoices):
    PHISHING = "phishing", _("Hameçonnage")
    PASSWORDS = "passwords", _("Mots de passe")
    SOCIAL_ENGINEERING = "social_engineering", _("Ingénierie sociale")
    MALWARE = "malware", _("Codes malveillants")
    USB = "usb", _("Clés USB")
    MOBILITY = "mobility", _("Mobilité")
    WORKSTATION = "workstation", _("Poste de travail")
    PRO_PERSONAL = "pro_personal", _("Usages professionnels et personnels")
    INFORMATION = "information", _("Protection de l'information")


class ModuleFormat(models.TextChoices):
    VIDEO_QUIZ = "video_quiz", _("Vidéo et quiz")
    CHATBOT = "chatbot", _("Agent conversationnel")
    SLIDES = "slides", _("Diaporama")


class ModuleKind(models.TextChoices):
    MONTHLY = "monthly", _("Module du mois")
    FOLLOW_UP = "follow_up", _("Module de remédiation")
    FINAL_QUIZ = "final_quiz", _("Quiz de fin de programme")


class Audience(models.TextChoices):
    ES = "ES", _("Établissements de santé")
    ESMS = "ESMS", _("Établissements médico-sociaux")
    BOTH = "BOTH", _("ES et ESMS")


class TemplateLevel(models.TextChoices):
    SIMPLE = "simple", _("Simple : un lien")
    ADVANCED = "advanced", _("Avancé : lien et fausse page de connexion")


class EnrolmentSource(models.TextChoices):
    DIRECT = "direct", _("Inscription directe")
    OFFER = "offer", _("Réponse à l'offre de service")
    STAFF = "staff", _("Inscription par le CRRC")


class ImportKind(models.TextChoices):
    LEARNERS = "learners", _("Apprenants")
    PHISHING = "phishing", _("Résultats d'hameçonnage")
    MODULES = "modules", _("Résultats des modules")


class EventKind(models.TextChoices):
    SENT = "sent", _("Envoyé")
    OPENED = "opened", _("Ouvert")
    CLICKED = "clicked", _("Lien cliqué")
    SUBMITTED = "submitted", _("Données saisies")
    REPORTED = "reported", _("Signalé")
    ERROR = "error", _("Erreur d'envoi")


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    APPROVED = "approved", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    SCHEDULED = "scheduled", _("Planifiée")


# Who may read learners' names, e-mails and the re-training list: the establishment's sponsor and its relays only.
# CRRC staff, ARS reviewers, RSSI and members never see a name (figures only, through ``anonymity``).
NAME_ROLES = (Role.DIRECTOR, Role.AWARENESS_RELAY)
