"""The benchmark's community seeding and digest batch, at a small scale (the bench itself runs 5,000 members,
100,000 posts and 20,000 documents)."""

import random

import pytest
from django.test import Client

from bench import community as community_bench
from community.models import Activity, Digest, Document, Member, Post
from tests.establishments.factories import EstablishmentFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bench_seed_pages_and_weekly_batch(monkeypatch, settings):
    monkeypatch.setattr(community_bench, "MEMBERS", 8)
    monkeypatch.setattr(community_bench, "POSTS", 200)
    monkeypatch.setattr(community_bench, "DOCUMENTS", 40)
    monkeypatch.setattr(community_bench, "HISTORY_DAYS", 14)  # half the items fall in the weekly window
    region = RegionFactory(code="76")
    ests = [EstablishmentFactory(department__region=region).pk for _ in range(8)]
    for e in range(8):
        UserFactory(email=f"u{e:05d}-1@bench.example.org")
    director = UserFactory(email="u00000-0@bench.example.org")
    summary = community_bench.seed(ests, random.Random(1), lambda message: None)
    assert summary.startswith("9 members, 200 posts in 10 threads, 40 documents")
    space = Member.objects.get(user=director).space
    counts = (Post.objects.filter(thread__space=space).count(), Document.objects.filter(space=space).count(),
              Activity.objects.filter(space=space).count())  # fmt: skip
    assert counts == (200, 40, 240)
    client = Client()
    client.force_login(director)
    for _label, url in community_bench.pages(director):
        assert client.get(url).status_code == 200
    result = community_bench.weekly_digest_batch(lambda message: None)
    weekly = Member.objects.filter(level="medium", space=space).count()
    assert result["digests_sent"] == weekly == Digest.objects.filter(member__space=space).count()
    assert 0 < result["items_recorded"] < 240 * weekly
