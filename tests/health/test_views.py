from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.celery import app as celery_app
from replyqueue.health.models import Heartbeat
from replyqueue.health.services import heartbeat_record
from replyqueue.health.tasks import heartbeat


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_not_ready_before_any_worker_heartbeat(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["worker"] == "no worker heartbeat seen yet"


def test_readyz_is_ready_once_the_beat_driven_heartbeat_ran(client, db):
    heartbeat.delay()  # what beat sends; run in-process here
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"].startswith("heartbeat")


def test_readyz_is_not_ready_when_the_last_heartbeat_is_old(client, db, settings):
    heartbeat_record()
    Heartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=settings.READY_HEARTBEAT_MAX_AGE + 5))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "limit" in response.json()["checks"]["worker"]


@pytest.fixture
def unreachable_broker():
    """A broker address where nothing listens (a closed loopback port)."""
    previous = celery_app.conf.broker_write_url
    celery_app.conf.broker_write_url = "redis://127.0.0.1:9/0"
    yield
    celery_app.conf.broker_write_url = previous


def test_readyz_is_not_ready_when_the_broker_is_unreachable(client, db, unreachable_broker):
    heartbeat_record()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unreachable")


def test_health_checks_are_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
