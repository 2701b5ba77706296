import os

import pytest

from .celery_helpers import redis_reachable, test_broker_url


@pytest.fixture
def redis_broker_url() -> str:
    """The Redis database reserved for these tests. Missing Redis skips locally, and fails in CI (CI is set)."""
    url = test_broker_url()
    if not redis_reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis injoignable à {url} : en CI les tests avec un vrai worker Celery doivent tourner")
        pytest.skip(f"Redis injoignable à {url} (hors CI) : tests avec un vrai worker Celery ignorés")
    return url
