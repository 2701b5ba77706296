"""The RSSI community of a region: spaces, members, folders and documents, discussions, events, polls.

Spaces are region-owned (like calls): every read goes through ``community.selectors``, which scopes rows to the
spaces the user belongs to (or staffs) and applies folder rights and event/poll groups. ``Member`` is the only row
pointing at an establishment (the one the member speaks for), hence its ``TenantQuerySet`` manager.

``Activity`` is the one list of "new items" (a document, a version, a thread, a reply, an event, a poll): the
"what's new" feed, the e-mails of the high level and the digests read it, and read marks are per activity, so all
three agree on what is new and what a member has read.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import TenantQuerySet
from crrc.workflow import TransitionLog

USER = settings.AUTH_USER_MODEL


class Space(models.Model):
    """A region's community, or another circle the CRRC opens (RSSI ES, Référents ESMS, a working group)."""

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("Communauté régionale")
        CIRCLE = "circle", _("Cercle thématique")
        WORKING_GROUP = "working_group", _("Groupe de travail")

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="community_spaces", verbose_name=_("région")
    )
    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.REGIONAL)
    description = models.TextField(_("description"), blank=True)
    accepts_requests = models.BooleanField(
        _("accepte les demandes d'adhésion"),
        default=True,
        help_text=_("Les membres des établissements de la région peuvent demander à rejoindre l'espace."),
    )
    is_archived = models.BooleanField(_("archivé"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("espace communautaire")
        verbose_name_plural = _("espaces communautaires")
        ordering = ["region__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="community_space_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:space", kwargs={"space_pk": self.pk})


class NotificationLevel(models.TextChoices):
    HIGH = "high", _("Élevé : un e-mail pour chaque nouveauté")
    MEDIUM = "medium", _("Moyen : un résumé hebdomadaire de ce que je n'ai pas lu")
    LOW = "low", _("Faible : un résumé mensuel")
    ARCHIVED = "archived", _("Archivé : aucun e-mail")


class Member(models.Model):
    """A person in a space, on behalf of one establishment (or none for CRRC staff)."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invité")
        REQUESTED = "requested", _("Demande en attente")
        ACTIVE = "active", _("Membre")
        REFUSED = "refused", _("Demande refusée")
        REMOVED = "removed", _("Retiré")

    class Source(models.TextChoices):
        OFFER = "offer", _("Contact d'un positionnement sur l'offre")
        INVITATION = "invitation", _("Invitation")
        REQUEST = "request", _("Demande approuvée par le CRRC")
        STAFF = "staff", _("Ajout par le CRRC")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="members", verbose_name=_("espace"))
    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="community_memberships", verbose_name=_("personne")
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_members",
        verbose_name=_("établissement"),
    )
    state = models.CharField(_("statut"), max_length=10, choices=State.choices, default=State.REQUESTED)
    source = models.CharField(_("origine"), max_length=12, choices=Source.choices, default=Source.REQUEST)
    function = models.CharField(_("fonction"), max_length=150, blank=True)
    expertise = models.CharField(
        _("expertises"), max_length=300, blank=True, help_text=_("Mots-clés séparés par des virgules.")
    )
    show_email = models.BooleanField(_("afficher mon e-mail dans l'annuaire"), default=False)
    show_phone = models.BooleanField(_("afficher mon téléphone dans l'annuaire"), default=False)
    level = models.CharField(
        _("niveau de notification"), max_length=10, choices=NotificationLevel.choices, default=NotificationLevel.MEDIUM
    )
    # Start of the next digest's window: the end of the previous digest, or when the member joined/changed level.
    digest_cursor = models.DateTimeField(_("début du prochain résumé"), default=timezone.now)
    request_message = models.TextField(_("message de la demande"), blank=True)
    invited_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invité par")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    joined_at = models.DateTimeField(_("membre depuis"), null=True, blank=True)
    removed_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "establishment"
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="community_member_once_per_space")]
        indexes = [models.Index(fields=["space", "state"]), models.Index(fields=["state", "level"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.space}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def sector(self) -> str | None:
        return self.establishment.sector if self.establishment_id else None

    def expertise_tags(self) -> list[str]:
        return [t.strip() for t in self.expertise.split(",") if t.strip()]


class MemberLog(TransitionLog):
    """Each change of a member's state (the workflow kit's log)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("membre"))
    tenant_field = "member__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique du membre")
        verbose_name_plural = _("historique des membres")


class Group(models.Model):
    """A named group of members of a space (a working group), used to restrict folders and events."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="groups", verbose_name=_("espace"))
    name = models.CharField(_("nom"), max_length=150)
    members = models.ManyToManyField(Member, blank=True, related_name="groups", verbose_name=_("membres"))

    class Meta:
        verbose_name = _("groupe")
        verbose_name_plural = _("groupes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["space", "name"], name="community_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class Access(models.TextChoices):
    INHERIT = "inherit", _("Comme le dossier parent")
    SPACE = "space", _("Tout l'espace")
    ES = "es", _("Établissements de santé (ES) seulement")
    ESMS = "esms", _("Établissements médico-sociaux (ESMS) seulement")
    GROUP = "group", _("Un groupe nommé")
    STAFF = "staff", _("Équipe CRRC seulement")


class Folder(models.Model):
    """A folder of a space's document tree. Its rights apply to its documents and, unless overridden, subfolders."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="folders", verbose_name=_("espace"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name = models.CharField(_("nom"), max_length=150)
    access = models.CharField(_("droits"), max_length=10, choices=Access.choices, default=Access.INHERIT)
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="folders", verbose_name=_("groupe")
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["space", "parent", "name"], name="community_folder_unique_name"),
            models.CheckConstraint(
                condition=Q(access="group", group__isnull=False) | (~Q(access="group") & Q(group__isnull=True)),
                name="community_folder_group_iff_group_access",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | ~Q(access="inherit"), name="community_root_folder_has_rights"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:folder", kwargs={"space_pk": self.space_id, "folder_pk": self.pk})


class Document(models.Model):
    """A document in a folder; its file is its latest version."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="documents", verbose_name=_("espace"))
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="documents", verbose_name=_("dossier"))
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Denormalised from the latest version, for the feed and listings.
    file_type = models.CharField(_("type"), max_length=10, blank=True)
    size = models.PositiveBigIntegerField(_("taille"), default=0)
    version_count = models.PositiveIntegerField(_("versions"), default=0)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("déposé par")
    )
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["space", "-updated_at"]), models.Index(fields=["folder", "-updated_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:document", kwargs={"document_pk": self.pk})


def version_path(instance: "DocumentVersion", filename: str) -> str:
    import uuid

    return f"community/{instance.document.space_id}/{uuid.uuid4().hex}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("fichier"), upload_to=version_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=150)
    file_type = models.CharField(_("type"), max_length=10)
    size = models.PositiveBigIntegerField(_("taille"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    note = models.CharField(_("ce qui a changé"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("déposé par")
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        verbose_name = _("version de document")
        verbose_name_plural = _("versions de document")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="community_version_unique")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Thread(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="threads", verbose_name=_("espace"))
    title = models.CharField(_("sujet"), max_length=200)
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur"))
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads", verbose_name=_("document")
    )
    is_locked = models.BooleanField(_("verrouillée"), default=False)
    is_hidden = models.BooleanField(_("masquée"), default=False)
    reply_count = models.PositiveIntegerField(_("réponses"), default=0)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now)

    class Meta:
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")
        ordering = ["-last_activity_at"]
        indexes = [models.Index(fields=["space", "-last_activity_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:thread", kwargs={"thread_pk": self.pk})


class Post(models.Model):
    """The opening message of a thread (``is_opening``) or a reply."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("discussion"))
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur"))
    body = models.TextField(_("message"))
    is_opening = models.BooleanField(_("message d'ouverture"), default=False)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    like_count = models.PositiveIntegerField(_("j'aime"), default=0)
    created_at = models.DateTimeField(_("publié le"), default=timezone.now)
    mentions = models.ManyToManyField(USER, blank=True, related_name="community_mentions", verbose_name=_("mentions"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread} #{self.pk}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes", verbose_name=_("message"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("j'aime")
        verbose_name_plural = _("j'aime")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="community_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.post_id}"


class Event(models.Model):
    class Kind(models.TextChoices):
        WEBINAR = "webinar", _("Webinaire")
        REGIONAL_DAY = "regional_day", _("Journée régionale")
        WORKSHOP = "workshop", _("Atelier")

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("Sur place")
        REMOTE = "remote", _("À distance")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="events", verbose_name=_("espace"))
    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("type"), max_length=15, choices=Kind.choices, default=Kind.WEBINAR)
    mode = models.CharField(_("modalité"), max_length=10, choices=Mode.choices, default=Mode.REMOTE)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("lieu"), max_length=255, blank=True)
    link = models.URLField(_("lien de connexion"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places"))
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("réservé au groupe"),
    )
    sequence = models.PositiveIntegerField(_("révision du calendrier"), default=0)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("créé par")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="community_event_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="community_event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:event", kwargs={"event_pk": self.pk})


class Registration(models.Model):
    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Inscrit")
        WAITING = "waiting", _("Liste d'attente")
        CANCELLED = "cancelled", _("Annulée")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("événement")
    )
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    state = models.CharField(_("statut"), max_length=10, choices=State.choices)
    created_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    promoted_at = models.DateTimeField(_("passé de la liste d'attente le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], condition=~Q(state="cancelled"), name="community_registration_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.event} ({self.get_state_display()})"


class Poll(models.Model):
    class Results(models.TextChoices):
        AFTER_VOTE = "after_vote", _("Après avoir voté")
        AFTER_CLOSE = "after_close", _("Après la clôture")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="polls", verbose_name=_("espace"))
    question = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("plusieurs réponses possibles"), default=False)
    anonymous = models.BooleanField(_("anonyme"), default=False)
    closes_at = models.DateTimeField(_("ouvert jusqu'au"))
    results = models.CharField(
        _("résultats visibles"), max_length=12, choices=Results.choices, default=Results.AFTER_VOTE
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="polls",
        verbose_name=_("réservé au groupe"),
    )
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("sondage")
        verbose_name_plural = _("sondages")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("community:poll", kwargs={"poll_pk": self.pk})

    def is_open(self, now=None) -> bool:
        return (now or timezone.now()) < self.closes_at


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("sondage"))
    label = models.CharField(_("réponse"), max_length=200)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("réponse proposée")
        verbose_name_plural = _("réponses proposées")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """That a person voted (once per poll); for an anonymous poll their choices are not linked to it."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("sondage"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="community_ballot_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.poll}"


class Choice(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices", verbose_name=_("sondage"))
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices", verbose_name=_("réponse"))
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, null=True, blank=True, related_name="choices", verbose_name=_("participation")
    )

    class Meta:
        verbose_name = _("réponse donnée")
        verbose_name_plural = _("réponses données")

    def __str__(self) -> str:
        return str(self.option)


class Activity(models.Model):
    """One new item of a space, as the feed, the e-mails and the digests know it."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Nouveau document")
        VERSION = "version", _("Nouvelle version")
        THREAD = "thread", _("Nouvelle discussion")
        REPLY = "reply", _("Nouvelle réponse")
        EVENT = "event", _("Nouvel événement")
        POLL = "poll", _("Nouveau sondage")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="activities", verbose_name=_("espace"))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur"))
    # Folder rights apply to document items; group restrictions to event and poll items.
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    title = models.CharField(_("titre"), max_length=200)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("nouveauté")
        verbose_name_plural = _("nouveautés")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["space", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.title}"

    def get_absolute_url(self) -> str:
        if self.document_id:
            return reverse("community:document", kwargs={"document_pk": self.document_id})
        if self.thread_id:
            url = reverse("community:thread", kwargs={"thread_pk": self.thread_id})
            return f"{url}#message-{self.post_id}" if self.post_id else url
        if self.event_id:
            return reverse("community:event", kwargs={"event_pk": self.event_id})
        if self.poll_id:
            return reverse("community:poll", kwargs={"poll_pk": self.poll_id})
        return reverse("community:space", kwargs={"space_pk": self.space_id})


class ReadMark(models.Model):
    """A member read this item (per item: reading a thread marks its messages read)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reads", verbose_name=_("nouveauté"))
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")
        constraints = [models.UniqueConstraint(fields=["user", "activity"], name="community_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} – {self.activity_id}"


class Digest(models.Model):
    """One digest e-mail sent to a member, with the window it covered; its items are recorded below."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="digests", verbose_name=_("membre"))
    level = models.CharField(_("niveau"), max_length=10, choices=NotificationLevel.choices)
    period_start = models.DateTimeField(_("depuis"))
    period_end = models.DateTimeField(_("jusqu'au"))
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("résumé envoyé")
        verbose_name_plural = _("résumés envoyés")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.member} – {self.sent_at:%d/%m/%Y}"


class DigestItem(models.Model):
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items", verbose_name=_("résumé"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("membre"))
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", verbose_name=_("nouveauté"))

    class Meta:
        verbose_name = _("élément de résumé")
        verbose_name_plural = _("éléments de résumé")
        # Nothing twice: the database refuses a second digest line for the same item and member.
        constraints = [models.UniqueConstraint(fields=["member", "activity"], name="community_digest_item_once")]

    def __str__(self) -> str:
        return f"{self.digest_id} – {self.activity_id}"


class ModerationLog(models.Model):
    """What CRRC staff did (hide a post, lock a thread, remove a member…): staff read it, members never do."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Demande approuvée")
        REFUSE = "refuse", _("Demande refusée")
        INVITE = "invite", _("Invitation")
        REMOVE = "remove", _("Membre retiré")
        HIDE_POST = "hide_post", _("Message masqué")
        SHOW_POST = "show_post", _("Message rétabli")
        LOCK = "lock", _("Discussion verrouillée")
        UNLOCK = "unlock", _("Discussion déverrouillée")
        JOIN_OFFER = "join_offer", _("Adhésion par l'offre")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="moderation_log", verbose_name=_("espace"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )
    target = models.CharField(_("objet"), max_length=300)
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.TextField(_("motif"), blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("journal de modération")
        verbose_name_plural = _("journal de modération")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} – {self.target}"
