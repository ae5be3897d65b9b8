"""Exactly-once delivery on real parts (PostgreSQL, Redis, Celery workers) against a receiver
that fails a third of its requests: 500s, 429s with Retry-After, and hangs past PUBLISH_TIMEOUT.
Then the same with the worker's process group SIGKILLed mid-send and a new worker taking over."""

import signal

import pytest

from accounts.services import webhook_set
from replyqueue.comments.services import comments_ingest
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Draft
from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver
from replyqueue.publishing.models import Publication
from tests.conftest import comment_payload
from tests.e2e.conftest import stop_worker, wait_for, workers_on_their_own_queue

pytestmark = pytest.mark.services

REPLIES = 60
WORKER_ENV = {
    "PUBLISH_TIMEOUT": "0.5",
    "PUBLISH_BACKOFF_BASE": "0.2",
    "PUBLISH_BACKOFF_CAP": "1",
    "PUBLISH_MAX_ATTEMPTS": "40",  # a third fail: forty failures in a row would be a real bug
    "WEBHOOK_TIMEOUT": "0.5",
    "WEBHOOK_RETRY_SCHEDULE": "0.2,0.4,0.8,1",
    "WEBHOOK_MAX_ATTEMPTS": "40",
    "SWEEP_INTERVAL": "0.5",
    "LOST_TASK_SECONDS": "3",
    "STALE_CLAIM_SECONDS": "2",
}


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Workers with beat on a queue of their own, so no other test's worker takes our tasks."""
    with workers_on_their_own_queue(tmp_path, "publish-failures", concurrency=4, beat=True, **WORKER_ENV) as start:
        yield start


@pytest.fixture
def receiver(creator, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    state = ReceiverState(secret="", failure_rate=1 / 3, seed=20261124, hang_seconds=1.0)
    server = start_receiver(state)
    state.secret = webhook_set(creator=creator, url=f"http://127.0.0.1:{server.server_port}/hook")
    yield state
    server.shutdown()


def approve_replies(creator, owner, count: int = REPLIES) -> None:
    """`count` comments drafted by the clone and approved: their sends are enqueued at commit."""
    items = [comment_payload(f"c{n}", "What camera do you use?") for n in range(count)]
    for result in comments_ingest(creator=creator, items=items):
        comment_process(comment_id=result.comment.id)  # the worker may take some first: either drafts it
    drafts = Draft.objects.filter(creator=creator, status="pending")
    wait_for(lambda: drafts.count() == count, timeout=60, what="every comment drafted")
    actor = Actor(role="owner", user=owner)
    for draft in Draft.objects.filter(creator=creator, status="pending").select_related("creator", "comment"):
        draft_approve(draft=draft, actor=actor)


def assert_each_reply_delivered_once(receiver: ReceiverState, cut_by_a_kill: int = 0) -> None:
    wait_for(lambda: Publication.objects.filter(status="sent").count() == REPLIES, timeout=120, what="every reply sent")
    assert Publication.objects.exclude(status="sent").count() == 0
    assert receiver.unique_deliveries == REPLIES
    comment_ids = [payload["data"]["comment"]["external_id"] for payload in receiver.payloads.values()]
    assert sorted(comment_ids) == sorted(f"c{n}" for n in range(REPLIES))  # no comment under two webhook-ids
    assert set(receiver.payloads) == set(Publication.objects.values_list("idempotency_key", flat=True))
    # A webhook-id arrives more than once only when an earlier request reached the receiver but its
    # answer never got recorded: it timed out on our side (the hangs), or the worker was killed
    # while waiting. The receiver keeps one reply per webhook-id.
    repeats = sum(receiver.deliveries.values()) - REPLIES
    assert repeats <= receiver.actions["hang"] + cut_by_a_kill
    assert receiver.rejected == 0


def test_every_reply_is_delivered_once_through_a_flaky_receiver(workers, receiver, creator, owner):
    workers("worker")
    approve_replies(creator, owner)
    assert_each_reply_delivered_once(receiver)
    assert receiver.actions["500"] and receiver.actions["429"] and receiver.actions["hang"]
    assert Publication.objects.filter(attempts__gt=1).exists()


def test_a_worker_killed_mid_send_loses_and_duplicates_nothing(workers, receiver, creator, owner):
    receiver.latency = 0.15  # requests in flight long enough to be cut by the kill
    first = workers("first")
    approve_replies(creator, owner)
    wait_for(
        lambda: receiver.unique_deliveries >= 10 and Publication.objects.filter(status="sending").exists(),
        timeout=30, interval=0.02, what="sends in flight",
    )
    stop_worker(first, signal.SIGKILL)  # the whole process group: pool children and beat too
    in_flight = Publication.objects.filter(status="sending").count()  # claimed, never recorded
    assert Publication.objects.filter(status="sent").count() < REPLIES

    workers("second")
    assert_each_reply_delivered_once(receiver, cut_by_a_kill=in_flight)
