"""Factories and helpers for the review side (on top of the calls helper's ``tests/calls/factories.py``)."""

import factory
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from calls.models import Attachment
from calls.review.models import ApplicationPriority, Label, Message, ReviewNote, ReviewScore
from calls.workflow import State
from establishments.roles import StaffKind
from tests.establishments.factories import StaffAssignmentFactory

from .factories import PDF_BYTES, ApplicationFactory, DocumentFactory


def reviewer_of(region, kind=StaffKind.CRRC_STAFF):
    """CRRC staff (or ARS reviewer) of ``region`` with MFA set up, as the portal requires of staff."""
    user = StaffAssignmentFactory(region=region, kind=kind).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    return user


def under_review(call, **kwargs):
    """A submitted application already en instruction."""
    kwargs.setdefault("state", State.EN_INSTRUCTION)
    kwargs.setdefault("instruction_started_at", timezone.now())
    return ApplicationFactory(call=call, **kwargs)


class ApplicationPriorityFactory(DjangoModelFactory):
    class Meta:
        model = ApplicationPriority

    application = factory.SubFactory(ApplicationFactory, state=State.EN_INSTRUCTION)
    score = 50
    components = factory.LazyFunction(lambda: {"declared_risk": None, "assessed_risk": None, "motivation": None})


class LabelFactory(DjangoModelFactory):
    class Meta:
        model = Label

    region = factory.LazyAttribute(lambda o: o.call.region)
    call = None
    name = factory.Sequence(lambda n: f"Étiquette {n}")
    colour = Label.Colour.BLUE


class ReviewScoreFactory(DjangoModelFactory):
    class Meta:
        model = ReviewScore

    motivation = 3


class ReviewNoteFactory(DjangoModelFactory):
    class Meta:
        model = ReviewNote

    text = "Note interne : dossier solide, à prioriser."


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    from_staff = True
    body = "Bonjour, pouvez-vous préciser la date de l'exercice ?"


def attach(application, document=None, name="bon-de-commande.pdf", content=PDF_BYTES):
    """A current attachment stored directly (the upload checks are the calls helper's tests)."""
    document = document or DocumentFactory(call=application.call)
    attachment = Attachment(
        application=application,
        document=document,
        original_name=name,
        file_type="pdf",
        size=len(content),
        sha256="0" * 64,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment
