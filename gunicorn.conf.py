"""gunicorn settings shipped by docker-compose.yml and the Dockerfile, and used by the benchmark (bench/http.py).

Why these numbers, for the 2-core machine the portal is sized for (and measured on, bench/LATEST.md):
* ``gthread`` workers, 2 threads each: a page spends a good share of its time waiting on PostgreSQL and Redis; a
  second thread per process uses that wait without the memory of another process, and keeps a slow page (a large
  reviewers' list) from holding a whole worker.
* ``2 × cores + 1`` processes (5 on 2 cores): gunicorn's own rule, so that both cores stay busy while some threads
  wait. More processes on 2 cores only add context switches (the benchmark's bare view gets no faster past it).
* ``--preload``: the project is imported once, then forked: workers start fast and share memory pages.
* keep-alive 5 s: browsers (and wrk) reuse a connection for the page's assets behind a proxy.
Each can be overridden from the environment: ``GUNICORN_WORKERS``, ``GUNICORN_THREADS``.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
preload_app = True
keepalive = 5
timeout = 60
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" (the benchmark): no access log
