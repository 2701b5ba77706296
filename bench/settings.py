"""Benchmark settings: the project's own settings plus a bare view to measure the server's ceiling."""

import os

from crrc.settings.base import *  # noqa: F403

DEBUG = False
BENCH_MODE = True
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MEDIA_ROOT = Path(os.environ.get("BENCH_MEDIA_ROOT", "/tmp/crrc-bench-media"))  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
