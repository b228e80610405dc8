"""docker-compose.yml cannot run on our machines: check it by reading, as a reviewer would."""

import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_stack_with_health_checks():
    compose = load_compose()
    services = compose["services"]
    assert set(services) == {"web", "asgi", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name
    assert "gunicorn helpdesk.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A helpdesk worker")
    assert (
        services["asgi"]["command"].startswith("daphne ")
        and "helpdesk.asgi" in (services["asgi"]["command"])
    )
    assert services["beat"]["command"].startswith("celery -A helpdesk beat")
    for app_service in ("web", "asgi", "worker", "beat"):
        depends = services[app_service]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_compose_volumes_are_declared_and_app_env_is_read_by_settings():
    compose = load_compose()
    declared = set(compose["volumes"])
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            name = volume.split(":")[0]
            assert name in declared, f"undeclared volume {name}"
    settings_source = (ROOT / "helpdesk" / "settings.py").read_text()
    for variable in compose["services"]["web"]["environment"]:
        assert f'"{variable}"' in settings_source, f"settings.py never reads {variable}"
    database_url = compose["services"]["web"]["environment"]["DATABASE_URL"]
    assert re.match(r"postgres://\w+:.+@postgres:5432/\w+", database_url)


def test_dockerfile_copies_only_what_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_check_deploy_passes_with_production_settings(tmp_path):
    """`manage.py check --deploy` with the production environment of the README."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DJANGO_SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "helpdesk.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "HELPDESK_TESTING": "0",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "HELPDESK_TESTING": "0",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in done.stderr


def test_a_checkout_checks_its_migrations_without_a_secret_key(tmp_path):
    """Commands that only read the code (makemigrations, translations) need no production
    secret; serving still does (above)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "HELPDESK_TESTING": "0",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes detected" in done.stdout
