"""Helpers shared by the browser tests: axe-core checks and logging a Playwright context in."""

from pathlib import Path

from django.conf import settings
from django.test import Client

# axe-core is an npm devDependency (package.json); `npm ci` at the repository root installs it.
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, label: str) -> list[str]:
    """axe-core's violations on the page as it stands, one readable line each (rule, impact, targets)."""
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{label}: {v['id']} ({v['impact']}) {v['help']} → "
        + ", ".join(" ".join(n["target"]) + " " + n.get("failureSummary", "") for n in v["nodes"][:5])
        for v in result["violations"]
    ]


def visit_and_check(page, url: str) -> list[str]:
    page.goto(url)
    return axe_violations(page, url)


def log_in(context, user, base_url: str) -> None:
    """Give the browser context the session of ``user`` (no log-in form to drive)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
