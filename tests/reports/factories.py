import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from reports.models import Report
from tests.establishments.factories import EstablishmentFactory

# A minimal but valid one-page PDF, so a factory-built "done" report can be downloaded.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class ReportFactory(DjangoModelFactory):
    """A built establishment sheet (status done, file stored): what a user downloads."""

    class Meta:
        model = Report

    establishment = factory.SubFactory(EstablishmentFactory)
    kind = "establishment_sheet"
    status = Report.Status.DONE
    filename = factory.LazyAttribute(lambda o: f"fiche-etablissement-{o.establishment.finess}.pdf")
    file = factory.LazyAttribute(lambda o: ContentFile(TINY_PDF, name=o.filename))
    enqueued_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    attempts = 1

    class Params:
        pending = factory.Trait(
            status=Report.Status.PENDING, file="", filename="", started_at=None, finished_at=None, attempts=0
        )
