import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps

from crrc.checks import unscoped_models
from crrc.tenancy import TenantQuerySet
from establishments.models import Establishment

ROOT = Path(__file__).resolve().parents[2]


@isolate_apps("tests")
def test_model_pointing_at_establishment_without_scoping_is_reported():
    class Forgotten(models.Model):
        establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"

    class Scoped(models.Model):
        establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE)
        objects = TenantQuerySet.as_manager()

        class Meta:
            app_label = "tests"

    assert unscoped_models([Forgotten, Scoped]) == [Forgotten]


def test_every_installed_model_is_tenant_scoped():
    from django.apps import apps

    assert unscoped_models(apps.get_models()) == []


def test_licence_is_eupl():
    assert (ROOT / "LICENSE").read_text().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")


def test_docker_compose_file_is_accepted(tmp_path):
    compose = shutil.which("docker-compose")
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        command = [docker, "compose"]
    elif compose:
        command = [compose]
    else:
        pytest.skip("ni « docker compose » ni « docker-compose » sur cette machine")
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text((ROOT / ".env.example").read_text())
    try:
        result = subprocess.run(
            [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--services"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "test"},
        )
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"web", "worker", "beat", "db", "redis"}


@pytest.mark.django_db
def test_anonymous_visitor_can_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_french_by_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.django_db
def test_english_once_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/accounts/login/")
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
def test_an_english_request_does_not_leave_the_thread_in_english(client):
    from django.utils import translation

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.get("/accounts/login/")
    assert translation.get_language() == "fr"
