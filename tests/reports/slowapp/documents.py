"""A document kind that blocks mid-build until the test releases it (only in the test workers and test process).

The builder writes ``<MEDIA_ROOT>/slow/started-<pid>`` when it starts and waits for ``<MEDIA_ROOT>/slow/release``;
the test reads which worker process is building, kills it, then releases.
"""

import os
import time
from pathlib import Path

from django.conf import settings

from reports.documents import build_establishment_sheet
from reports.registry import register

SLOW_KIND = "tests_slow_document"


def control_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "slow"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_slowly(report):
    folder = control_dir()
    (folder / f"started-{os.getpid()}").write_text(str(report.pk))
    deadline = time.monotonic() + 120
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the slow document")
        time.sleep(0.1)
    (folder / f"finished-{os.getpid()}").write_text(str(report.pk))
    return build_establishment_sheet(report)


register(SLOW_KIND, "Document lent (tests)", build_slowly)
