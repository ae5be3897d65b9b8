"""A worker SIGKILLed mid-draft or mid-send: a second worker finishes its work within 60 s.

Each worker process beats (core/workers.py) and names itself on every row it claims; the
sweepers release a claim whose worker stopped beating for WORKER_DEAD_SECONDS (20 s), instead of
waiting STALE_CLAIM_SECONDS (300 s, left at its default here on purpose).
"""

import signal
import time

import pytest

from accounts.services import webhook_set
from replyqueue.comments.models import Comment
from replyqueue.comments.services import comments_ingest
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Draft
from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver
from replyqueue.publishing.models import Publication
from tests.clone.fake_openai import FakeOpenAI
from tests.conftest import comment_payload
from tests.e2e.conftest import stop_worker, wait_for, workers_on_their_own_queue

pytestmark = pytest.mark.services

RECOVERY_LIMIT = 60.0
ENV = {"SWEEP_INTERVAL": "2", "WORKER_HEARTBEAT_INTERVAL": "5", "WORKER_DEAD_SECONDS": "20"}


@pytest.fixture
def workers(transactional_db, tmp_path):
    with workers_on_their_own_queue(tmp_path, "recovery", concurrency=1, beat=False, **ENV) as start:
        yield start


def test_a_draft_held_by_a_killed_worker_is_finished_by_another_within_60s(workers, creator, camera_faq):
    fake = FakeOpenAI(script=["slow"], slow_seconds=120).start()
    env = {"DRAFTER": "openai", "OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test", "OPENAI_TIMEOUT": "150"}
    try:
        first = workers("first", beat=False, **env)
        [result] = comments_ingest(creator=creator, items=[comment_payload("k1", "What camera do you use?")])
        comment = result.comment
        wait_for(lambda: fake.requests, timeout=90, what="the first worker asking the drafter")
        held_by = Comment.objects.get(id=comment.id).claimed_by
        assert held_by  # hostname:pid of the worker child drafting it
        second = workers("second", beat=True, **env)
        wait_for(lambda: "ready" in second.log_path.read_text(), timeout=90, what="the second worker ready")
        stop_worker(first, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: Comment.objects.get(id=comment.id).status != "received", timeout=RECOVERY_LIMIT + 5,
                 what="the comment drafted by the second worker")
        recovered = time.monotonic() - killed
    finally:
        fake.stop()
    print(f"\ndraft recovered {recovered:.1f}s after SIGKILL (claimed by {held_by})")
    assert recovered < RECOVERY_LIMIT
    assert Draft.objects.filter(comment_id=comment.id, status="pending").count() == 1
    assert Comment.objects.get(id=comment.id).claimed_by != held_by


def test_a_send_held_by_a_killed_worker_is_delivered_once_by_another_within_60s(workers, creator, owner, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    state = ReceiverState(secret="", script=["hang"], hang_seconds=120)
    server = start_receiver(state)
    state.secret = webhook_set(creator=creator, url=f"http://127.0.0.1:{server.server_port}/hook")
    env = {"PUBLISH_TIMEOUT": "150", "WEBHOOK_TIMEOUT": "150", "CELERY_TASK_SOFT_TIME_LIMIT": "200"}
    try:
        [result] = comments_ingest(creator=creator, items=[comment_payload("s1", "What camera do you use?")])
        comment_process(comment_id=result.comment.id)
        first = workers("first", beat=False, **env)
        draft = Draft.objects.select_related("creator", "comment").get(comment_id=result.comment.id)
        publication = draft_approve(draft=draft, actor=Actor(role="owner", user=owner))
        wait_for(lambda: state.actions["hang"] == 1, timeout=90, what="the first worker's request hanging")
        assert Publication.objects.get(id=publication.id).status == "sending"
        second = workers("second", beat=True, **env)
        wait_for(lambda: "ready" in second.log_path.read_text(), timeout=90, what="the second worker ready")
        stop_worker(first, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: Publication.objects.get(id=publication.id).status == "sent", timeout=RECOVERY_LIMIT + 5,
                 what="the reply delivered by the second worker")
        recovered = time.monotonic() - killed
    finally:
        server.shutdown()
    print(f"\nsend recovered {recovered:.1f}s after SIGKILL")
    assert recovered < RECOVERY_LIMIT
    assert state.unique_deliveries == 1  # the same webhook-id: the receiver keeps one reply
