"""Shared fixtures: a creator with an owner, an assistant and a viewer, plus an outsider who
belongs to another creator, so every view and endpoint can be tried with the wrong user."""

import os
import socket
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership, Role
from accounts.services import creator_create, user_get_or_create
from replyqueue.celery import app as celery_app
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add

PASSWORD = "correct horse battery"


def require_service(name: str, url: str) -> None:
    """Skip when a real service is not reachable, or fail when REQUIRE_SERVICES=1 (CI)."""
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=2).close()
        return
    except OSError as error:
        message = f"{name} not reachable at {parsed.hostname}:{parsed.port} ({error})"
    if os.getenv("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; REQUIRE_SERVICES=1 makes this a failure")
    pytest.skip(message)


def require_redis() -> str:
    """The Redis URL the suite's broker setting names (scripts/test sets it); skip without one, or
    fail when REQUIRE_SERVICES=1 (CI)."""
    url = os.getenv("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        if os.getenv("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 needs CELERY_BROKER_URL=redis://...")
        pytest.skip("needs Redis: CELERY_BROKER_URL=redis://... (scripts/test sets it)")
    require_service("Redis", url)
    return url


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Unit tests run tasks in-process; tests marked `services` use the real broker and worker."""
    if request.node.get_closest_marker("services"):
        yield
        return
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def loopback_webhooks(settings):
    """The suite's receivers listen on 127.0.0.1 over http: allow them, as DEBUG would."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_REQUIRE_HTTPS = False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's million rounds are the point in production and only slow in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    """Hashed names need `collectstatic`'s manifest; the unit tests render templates without it
    (tests/e2e/test_production_stack.py runs the real collectstatic and manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def close_send_threads():
    """Batches sent on threads keep a database connection per thread: closed after each test."""
    yield
    from replyqueue.publishing.sending import send_pool_shutdown

    send_pool_shutdown()


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Rolled-back tests reuse ids, so per-process caches keyed by id must start empty."""
    from django.core.cache import cache

    from replyqueue.clone.learning import learned_models
    from replyqueue.clone.retrieval import indexes

    indexes.clear()
    learned_models.clear()
    cache.clear()


@pytest.fixture
def creator(db):
    return creator_create(slug="mia", name="Mia Snaps", owner_email="owner@example.com", password=PASSWORD)


@pytest.fixture
def other_creator(db):
    return creator_create(slug="rival", name="Rival", owner_email="outsider@example.com", password=PASSWORD)


def _member(creator, email: str, role: str):
    user = user_get_or_create(email=email, password=PASSWORD)
    Membership.objects.update_or_create(user=user, creator=creator, defaults={"role": role})
    return user


@pytest.fixture
def owner(creator):
    return creator.memberships.get(role=Role.OWNER).user


@pytest.fixture
def assistant(creator):
    return _member(creator, "assistant@example.com", Role.ASSISTANT)


@pytest.fixture
def viewer(creator):
    return _member(creator, "viewer@example.com", Role.VIEWER)


@pytest.fixture
def outsider(other_creator):
    return other_creator.memberships.get(role=Role.OWNER).user


@pytest.fixture
def api(creator):
    _, raw = ApiToken.issue(creator=creator, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def other_api(other_creator):
    _, raw = ApiToken.issue(creator=other_creator, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def camera_faq(creator):
    [item] = knowledge_add(
        creator=creator,
        items=[KnowledgeInput("faq", "What camera do you use?", "I shoot everything on the Sony A7 IV.")],
    )
    return item


def comment_payload(external_id: str = "c1", text: str = "What camera do you use?", **extra) -> dict:
    payload = {
        "platform": "youtube",
        "external_id": external_id,
        "text": text,
        "author": {"external_id": f"fan-{external_id}", "name": "Sam Carter"},
    }
    payload.update(extra)
    return payload


@contextmanager
def webhook_receiver_for(creator, undo_delay_seconds: int = 0, **state_options):
    """A loopback Standard Webhooks receiver set as the creator's webhook (signatures verified)."""
    from accounts.services import webhook_set
    from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver

    state = ReceiverState(secret="", **state_options)
    server = start_receiver(state)
    state.secret = webhook_set(creator=creator, url=f"http://127.0.0.1:{server.server_port}/hook")
    creator.undo_delay_seconds = undo_delay_seconds
    creator.save()
    try:
        yield state
    finally:
        server.shutdown()
