import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_services_up_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["status"] == "ok"


HEALTHZ_SCRIPT = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"code": response.status_code, "body": json.loads(response.content)}))
"""


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    """A fresh process whose DATABASE_URL points where no database answers."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"
    else:
        url = "postgres://postgres@127.0.0.1:9/helpdesk"  # discard port: nothing listens there
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", HEALTHZ_SCRIPT],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 503
    assert result["body"]["database"] == "down"
    assert result["body"]["status"] == "error"
