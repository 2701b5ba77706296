"""Community at national scale: 5,000 members, 100,000 posts, 20,000 documents, bulk-inserted in one space of the
bench region (the worst case for one space's feed and threads). Measured: the feed and a thread (HTTP, with the
other pages) and the weekly digest batch (``community.digests.send_digests``, timed in-process).

Two years of history: items are spread over 730 days, so a weekly digest covers about 1/104 of them. A quarter
of the members are at the weekly level (the others high, monthly or archived), all with nothing read.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

MEMBERS, POSTS, DOCUMENTS = 5_000, 100_000, 20_000
POSTS_PER_THREAD = 20
HISTORY_DAYS = 730
BATCH = 5_000
LEVELS = ("medium", "high", "low", "archived")  # one member in four each


def seed(ests: list[int], rng: random.Random, log) -> str:
    from accounts.models import User
    from community import services
    from community.models import Access, Activity, Document, DocumentVersion, Folder, Member, Post, Thread
    from establishments.models import Establishment

    started = time.perf_counter()
    now = timezone.now()
    region = Establishment.objects.get(pk=ests[0]).region
    space = services.create_space(region, "Communauté RSSI (bench national)")
    roots = list(Folder.objects.filter(space=space))
    es = Folder.objects.create(space=space, parent=roots[2], name="ES seulement", access=Access.ES)
    esms = Folder.objects.create(space=space, parent=roots[2], name="ESMS seulement", access=Access.ESMS)
    inherit = Folder.objects.create(space=space, parent=es, name="Trames", access=Access.INHERIT)
    folders = [*roots, es, esms, inherit]

    # Members: the RSSI of each establishment, plus the director of the first one (the measured user).
    rssi = {u.email: u.pk for u in User.objects.filter(email__endswith="-1@bench.example.org")}
    director = User.objects.get(email="u00000-0@bench.example.org")
    cursor = now - timedelta(days=7)
    members = [
        Member(
            space=space,
            user_id=rssi[f"u{e:05d}-1@bench.example.org"],
            establishment_id=est,
            state="active",
            source="offer",
            joined_at=now - timedelta(days=HISTORY_DAYS),
            digest_cursor=cursor,
            level=LEVELS[e % len(LEVELS)],
            function="RSSI",
            expertise="sauvegardes, PRA",
        )  # fmt: skip
        for e, est in enumerate(ests[:MEMBERS])
        if f"u{e:05d}-1@bench.example.org" in rssi
    ]
    members.append(Member(space=space, user=director, establishment_id=ests[0], state="active", level="archived",
                          joined_at=now, digest_cursor=now))  # fmt: skip
    Member.objects.bulk_create(members, batch_size=BATCH)
    authors = [m.user_id for m in members]

    def when() -> timezone.datetime:
        return now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))

    stored = default_storage.save("community/bench/guide.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    with transaction.atomic():
        documents = [
            Document(
                space=space,
                folder=folders[i % len(folders)],
                title=f"Document {i} – guide",
                description="Document de travail",
                file_type="pdf",
                size=14,
                version_count=1,
                created_by_id=authors[i % len(authors)],
                created_at=(at := when()),
                updated_at=at,
            )  # fmt: skip
            for i in range(DOCUMENTS)
        ]
        Document.objects.bulk_create(documents, batch_size=BATCH)
        versions = [
            DocumentVersion(
                document=d,
                number=1,
                file=stored,
                original_name="guide.pdf",
                file_type="pdf",
                size=14,
                sha256="0" * 64,
                uploaded_by_id=d.created_by_id,
                uploaded_at=d.created_at,
            )  # fmt: skip
            for d in documents
        ]
        DocumentVersion.objects.bulk_create(versions, batch_size=BATCH)
        Activity.objects.bulk_create(
            [Activity(space=space, kind="document", actor_id=d.created_by_id, folder_id=d.folder_id, document=d,
                      version=v, title=d.title, created_at=d.created_at)
             for d, v in zip(documents, versions, strict=True)],
            batch_size=BATCH,
        )  # fmt: skip
        threads = []
        for t in range(POSTS // POSTS_PER_THREAD):
            start = when()
            threads.append(Thread(space=space, title=f"Discussion {t}", author_id=authors[t % len(authors)],
                                  created_at=start, last_activity_at=start + timedelta(hours=POSTS_PER_THREAD - 1),
                                  reply_count=POSTS_PER_THREAD - 1))  # fmt: skip
        Thread.objects.bulk_create(threads, batch_size=BATCH)
        for chunk in range(0, len(threads), 500):
            posts = [
                Post(
                    thread=thread,
                    author_id=authors[(i + k) % len(authors)],
                    body=f"Message {k} : retour d'expérience.",
                    is_opening=k == 0,
                    created_at=thread.created_at + timedelta(hours=k),
                    like_count=k % 3,
                )  # fmt: skip
                for i, thread in enumerate(threads[chunk : chunk + 500])
                for k in range(POSTS_PER_THREAD)
            ]
            Post.objects.bulk_create(posts, batch_size=BATCH)
            Activity.objects.bulk_create(
                [Activity(space=space, kind="thread" if p.is_opening else "reply", actor_id=p.author_id,
                          thread_id=p.thread_id, post=p, title=p.thread.title, created_at=p.created_at)
                 for p in posts],
                batch_size=BATCH,
            )  # fmt: skip
    seconds = round(time.perf_counter() - started, 1)
    log(f"  community: {len(members)} members, {Post.objects.count()} posts, {len(documents)} documents ({seconds} s)")
    return f"{len(members)} members, {POSTS} posts in {len(threads)} threads, {DOCUMENTS} documents"


def pages(user) -> list[tuple[str, str]]:
    """The feed of the national space and its busiest thread, as the first establishment's director sees them."""
    from community.models import Space, Thread

    space = Space.objects.get(name="Communauté RSSI (bench national)")
    thread = Thread.objects.filter(space=space).order_by("-last_activity_at").first()
    return [
        ("community: feed (what's new)", reverse("community:space", kwargs={"space_pk": space.pk})),
        ("community: thread (20 posts)", reverse("community:thread", kwargs={"thread_pk": thread.pk})),
    ]


def weekly_digest_batch(log) -> dict:
    """Time the Monday batch: every weekly-level member's digest of the last 7 days (e-mails to locmem)."""
    from django.test.utils import override_settings

    from community.digests import send_digests
    from community.models import DigestItem, Member

    weekly = Member.objects.filter(level="medium", state="active").count()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        started = time.perf_counter()
        sent = send_digests("medium")
        seconds = round(time.perf_counter() - started, 1)
    result = {"weekly_members": weekly, "digests_sent": sent, "items_recorded": DigestItem.objects.count(),
              "seconds": seconds, "per_digest_ms": round(1000 * seconds / sent, 1) if sent else None}  # fmt: skip
    log(f"  community weekly digest batch: {result}")
    return result
