import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from community.models import (
    Access,
    Activity,
    Document,
    DocumentVersion,
    Event,
    Folder,
    Group,
    Member,
    MemberLog,
    ModerationLog,
    Poll,
    PollOption,
    Post,
    Registration,
    Space,
    Thread,
)
from tests.establishments.factories import EstablishmentFactory, RegionFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class SpaceFactory(DjangoModelFactory):
    class Meta:
        model = Space

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Communauté RSSI {n}")
    kind = Space.Kind.REGIONAL


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    space = factory.SubFactory(SpaceFactory)
    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(
        EstablishmentFactory, department__region=factory.SelfAttribute("...space.region")
    )
    state = Member.State.ACTIVE
    source = Member.Source.INVITATION
    joined_at = factory.LazyFunction(timezone.now)
    digest_cursor = factory.LazyFunction(timezone.now)


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    space = factory.SubFactory(SpaceFactory)
    name = factory.Sequence(lambda n: f"Groupe de travail {n}")


class FolderFactory(DjangoModelFactory):
    class Meta:
        model = Folder

    space = factory.SubFactory(SpaceFactory)
    name = factory.Sequence(lambda n: f"Dossier {n}")
    group = None
    access = factory.LazyAttribute(lambda o: Access.GROUP if o.group else Access.SPACE)


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document
        skip_postgeneration_save = True

    folder = factory.SubFactory(FolderFactory)
    space = factory.SelfAttribute("folder.space")
    title = factory.Sequence(lambda n: f"Guide {n}")
    file_type = "pdf"
    size = len(PDF)
    version_count = 1

    @factory.post_generation
    def with_version(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            version = DocumentVersion(document=obj, number=1, original_name="guide.pdf", file_type="pdf", size=len(PDF),
                                      sha256="0" * 64, note="Première version")  # fmt: skip
            version.file.save("guide.pdf", ContentFile(PDF), save=True)
            Activity.objects.create(space=obj.space, kind=Activity.Kind.DOCUMENT, title=obj.title, document=obj,
                                    version=version, folder=obj.folder)  # fmt: skip


class DocumentVersionFactory(DjangoModelFactory):
    class Meta:
        model = DocumentVersion

    document = factory.SubFactory(DocumentFactory, with_version=False)
    number = 1
    original_name = "guide.pdf"
    file_type = "pdf"
    size = len(PDF)
    sha256 = "0" * 64
    file = factory.django.FileField(filename="guide.pdf", data=PDF)


class ThreadFactory(DjangoModelFactory):
    class Meta:
        model = Thread

    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Question {n}")


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    body = "Bonjour à tous."
    is_opening = True


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Webinaire {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timezone.timedelta(hours=2))
    capacity = 10
    link = "https://visio.example.org/webinaire"


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    state = Registration.State.CONFIRMED


class PollFactory(DjangoModelFactory):
    class Meta:
        model = Poll
        skip_postgeneration_save = True

    space = factory.SubFactory(SpaceFactory)
    question = factory.Sequence(lambda n: f"Quel outil de sauvegarde utilisez-vous ? {n}")
    closes_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))

    @factory.post_generation
    def options(obj, create, extracted, **kwargs):
        if create:
            for i, label in enumerate(extracted or ["Veeam", "Bacula", "Autre"]):
                PollOption.objects.create(poll=obj, label=label, order=i)


class ModerationLogFactory(DjangoModelFactory):
    class Meta:
        model = ModerationLog

    space = factory.SubFactory(SpaceFactory)
    action = ModerationLog.Action.LOCK
    target = "Discussion"


class MemberLogFactory(DjangoModelFactory):
    class Meta:
        model = MemberLog

    member = factory.SubFactory(MemberFactory)
    transition = "approve"
    from_state = "requested"
    to_state = "active"
