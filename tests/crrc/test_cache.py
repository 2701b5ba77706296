"""The portal's Redis cache (``crrc.cache``): Django's, with one client per connection pool (issue 15)."""

import os
import threading

import pytest
from django.core.cache.backends.redis import RedisCache

from crrc.cache import PortalRedisCache

REDIS = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = pytest.mark.skipif(not REDIS.startswith("redis://"), reason="needs the Redis the tests run with")


def _cache(prefix: str) -> PortalRedisCache:
    return PortalRedisCache(REDIS, {"KEY_PREFIX": prefix, "TIMEOUT": 60})


def test_one_client_per_pool_and_the_same_answers_as_djangos():
    ours, django = _cache("test-cache"), RedisCache(REDIS, {"KEY_PREFIX": "test-cache", "TIMEOUT": 60})
    ours.set("session", {"user": 7})
    assert django.get("session") == {"user": 7}  # same keys, same serialisation
    django.set("other", [1, 2])
    assert ours.get("other") == [1, 2]
    assert ours._cache.get_client() is ours._cache.get_client(write=True)  # one server: one pool, one client
    assert ours.add("counter", 1) and ours.incr("counter") == 2
    ours.delete_many(["session", "other", "counter"])
    assert ours.get("session") is None


def test_the_kept_client_is_shared_safely_between_threads():
    cache = _cache("test-cache-threads")
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}-{i}", i)
                assert cache.get(f"k{n}-{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cache.delete_many([f"k{n}-{i}" for n in range(8) for i in range(50)])  # not clear(): the broker shares the DB
