import pytest

from calls import services
from calls.models import Question, RequiredDocument
from tests.establishments.factories import EstablishmentFactory

from .factories import PDF_BYTES, CallFactory, DocumentFactory, QuestionFactory, editor_of


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def establishment(call):
    return EstablishmentFactory(ehpad=True, department__region=call.region)


@pytest.fixture
def editor(establishment):
    return editor_of(establishment)


@pytest.fixture
def complete_call(call):
    """A call with one mandatory question and one mandatory document."""
    QuestionFactory(call=call, code="motivation", label="Motivation", kind=Question.Kind.LONG_TEXT)
    DocumentFactory(call=call, code="bon_commande", label="Bon de commande")
    return call


def pdf_upload(name="piece.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fill(application, user):
    """Answer every mandatory question and upload every mandatory application document."""
    call = application.call
    services.save_answers(application, user, {"motivation": ("Nous voulons tester notre plan de crise.", None)})
    for document in call.documents.filter(phase=RequiredDocument.Phase.APPLICATION):
        services.upload_attachment(application, document, pdf_upload(), user)
    return application


@pytest.fixture
def draft(complete_call, establishment, editor):
    return services.start_application(complete_call, establishment, editor)
