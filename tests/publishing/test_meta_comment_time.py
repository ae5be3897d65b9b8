"""An Instagram comment's own time, read from Graph after the webhook (integrations/meta/comment_time.py)."""

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from replyqueue.celery import app as celery_app
from replyqueue.comments.models import Comment
from replyqueue.integrations.meta.comment_time import BACKOFF, LEASE, MAX_ATTEMPTS, comment_time_fetch
from replyqueue.integrations.models import CommentTime, TimeSource
from replyqueue.publishing.models import ChannelQuota
from tests.publishing.fake_platforms import FakeGraph, connect_channel

TOKEN = "page-token"
APP_SECRET = "app-secret"
COMMENT_ID = "17900000000000101"
DELIVERED = "2026-01-01T12:00:00+00:00"  # entry.time 1767268800: when Meta sent the notification
WRITTEN = "2026-01-01T11:58:04+0000"  # the comment's own timestamp, as Graph writes it


@pytest.fixture
def graph(settings):
    settings.PUBLISH_TIMEOUT = 0.5
    fake = FakeGraph(access_token=TOKEN, app_secret=APP_SECRET).start()
    fake.hang_seconds = 1.0
    fake.add_comment(COMMENT_ID, "What camera do you use?", WRITTEN)
    yield fake
    fake.stop()


@pytest.fixture
def instagram(creator, graph):
    return connect_channel(
        creator, "instagram", "meta", graph.url, graph.page_id,
        credentials={"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": "v"},
    )


def deliver(client, graph, **extra):
    """Meta's documented `comments` notification (no time in the value), signed with the app secret."""
    value = {"from": {"id": "17841499999", "username": "sam.shoots"}, "media": {"id": "18000000001"},
             "id": COMMENT_ID, "text": "What camera do you use?", **extra}
    body = json.dumps({"object": "instagram", "entry": [
        {"id": graph.page_id, "time": 1767268800, "changes": [{"field": "comments", "value": value}]}]}).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/hooks/meta/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


def test_a_comment_without_a_time_gets_its_own_timestamp_from_graph(client, instagram, graph,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, graph)
    assert Comment.objects.get().created_at.isoformat() == "2026-01-01T11:58:04+00:00"
    assert CommentTime.objects.get().source == TimeSource.PLATFORM


def test_until_graph_answers_the_delivery_time_is_kept_and_recorded(client, instagram, graph):
    deliver(client, graph)  # the lookup's wake-up runs after the commit, which a test transaction never does
    time = CommentTime.objects.get()
    assert Comment.objects.get().created_at.isoformat() == DELIVERED
    assert (time.source, time.next_attempt_at is not None) == (TimeSource.DELIVERY, True)


def test_a_comment_with_its_own_timestamp_is_not_looked_up(client, instagram, graph, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, graph, timestamp="2025-12-31T23:59:30+0000")
    assert not CommentTime.objects.exists()
    assert graph.calls[("GET", "node")] == 0


def test_a_failed_lookup_is_tried_again_later_and_then_reads_the_time(client, instagram, graph):
    deliver(client, graph)
    comment = Comment.objects.get()
    graph.list_script = ["500"]
    assert comment_time_fetch(comment.id) == "retry"
    assert Comment.objects.get().created_at.isoformat() == DELIVERED
    later = timezone.now() + timedelta(hours=1)
    assert comment_time_fetch(comment.id, now=later) == "fetched"
    assert Comment.objects.get().created_at.isoformat() == "2026-01-01T11:58:04+00:00"


def test_a_deleted_comment_keeps_the_delivery_time_and_says_why(client, instagram, graph):
    deliver(client, graph)
    graph.deleted.add(COMMENT_ID)
    comment_time_fetch(Comment.objects.get().id)
    time = CommentTime.objects.get()
    assert (time.source, time.next_attempt_at) == (TimeSource.DELIVERY, None)
    assert "deleted" in time.last_error
    assert Comment.objects.get().created_at.isoformat() == DELIVERED


def test_after_the_last_attempt_the_delivery_time_stays_for_good(client, instagram, graph):
    deliver(client, graph)
    comment_id = Comment.objects.get().id
    graph.list_script = ["500"] * MAX_ATTEMPTS
    for attempt in range(MAX_ATTEMPTS):
        comment_time_fetch(comment_id, now=timezone.now() + timedelta(days=attempt + 1))
    time = CommentTime.objects.get()
    assert (time.next_attempt_at, time.attempts) == (None, MAX_ATTEMPTS)
    assert time.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")


def test_a_throttled_channel_is_not_called_and_no_attempt_is_used(client, instagram, graph):
    deliver(client, graph)
    ChannelQuota.objects.create(channel=instagram, day=timezone.now().date(),
                                exhausted_until=timezone.now() + timedelta(minutes=30))
    assert comment_time_fetch(Comment.objects.get().id) == "waiting"
    time = CommentTime.objects.get()
    assert graph.calls[("GET", "node")] == 0
    assert time.attempts == 0 and time.next_attempt_at > timezone.now() + timedelta(minutes=29)


def test_two_workers_never_look_up_the_same_comment_at_once(client, instagram, graph):
    deliver(client, graph)
    comment_id = Comment.objects.get().id
    CommentTime.objects.update(attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5))  # leased
    assert comment_time_fetch(comment_id) == "not due"
    assert graph.calls[("GET", "node")] == 0


# -- the beat sweep: lookups whose wake-up was lost are done again within minutes --------------


def time_passes(seconds: float) -> None:
    """Every lookup's due time and wake-up move back: as if `seconds` had passed."""
    CommentTime.objects.update(next_attempt_at=F("next_attempt_at") - timedelta(seconds=seconds),
                               enqueued_at=F("enqueued_at") - timedelta(seconds=seconds))


def beat(name: str = "sweep-comment-times"):
    """Run what beat runs for this schedule entry (its task, by name, as a worker would)."""
    return celery_app.tasks[settings.CELERY_BEAT_SCHEDULE[name]["task"]].apply().get()


def test_beat_sweeps_the_lookups_every_few_minutes_not_hours():
    assert settings.CELERY_BEAT_SCHEDULE["sweep-comment-times"]["schedule"] <= 300


def test_a_lookup_whose_wake_up_was_lost_is_done_by_the_next_sweep(client, instagram, graph):
    deliver(client, graph)  # the wake-up is sent after the commit, which a test transaction never does: lost
    assert beat() == {"comment_times": 0}  # just sent: it may still be on its way
    time_passes(settings.LOST_TASK_SECONDS + 1)
    assert beat() == {"comment_times": 1}
    assert Comment.objects.get().created_at.isoformat() == "2026-01-01T11:58:04+00:00"
    assert beat() == {"comment_times": 0}  # done: nothing more to ask


def test_a_lookup_a_killed_worker_left_is_done_again_once_its_lease_ends(client, instagram, graph):
    deliver(client, graph)
    CommentTime.objects.update(attempts=1, next_attempt_at=timezone.now() + LEASE)  # claimed, then the worker died
    time_passes(settings.LOST_TASK_SECONDS + 1)
    assert beat() == {"comment_times": 0}  # the lease still holds
    time_passes(LEASE.total_seconds())
    assert beat() == {"comment_times": 1}
    time = CommentTime.objects.get()
    assert (time.source, time.attempts) == (TimeSource.PLATFORM, 2)


def test_a_failed_lookup_is_asked_again_when_its_retry_is_due(client, instagram, graph):
    deliver(client, graph)
    graph.list_script = ["500"]
    assert comment_time_fetch(Comment.objects.get().id) == "retry"
    assert beat() == {"comment_times": 0}  # backing off
    time_passes(BACKOFF.total_seconds())
    assert beat() == {"comment_times": 1}  # due again: woken at once, not after the lost-task delay
    assert CommentTime.objects.get().source == TimeSource.PLATFORM


def test_a_sweep_wakes_at_most_its_limit_and_the_next_one_the_rest(client, instagram, graph, settings):
    from replyqueue.integrations.meta.comment_time import comment_times_to_wake

    for n in range(5):
        deliver(client, graph, id=f"1790000000000020{n}")
    time_passes(settings.LOST_TASK_SECONDS + 1)
    woken = [comment_times_to_wake(limit=2) for _ in range(4)]
    assert [len(ids) for ids in woken] == [2, 2, 1, 0]
    assert len({id_ for ids in woken for id_ in ids}) == 5  # each once
    settings.COMMENT_TIME_SWEEP_LIMIT = 3
    time_passes(settings.LOST_TASK_SECONDS + 1)  # those wake-ups were lost too
    assert beat() == {"comment_times": 3}


def test_the_fake_graph_answers_only_the_fields_asked_for(graph):
    answer = httpx.get(f"{graph.url}/v24.0/{COMMENT_ID}", params={"fields": "id,timestamp",
                       "appsecret_proof": graph._proof(TOKEN)}, headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.json() == {"id": COMMENT_ID, "timestamp": WRITTEN}


def test_the_fake_graph_refuses_a_field_an_ig_comment_does_not_have(graph):
    answer = httpx.get(f"{graph.url}/v24.0/{COMMENT_ID}", params={"fields": "id,created_time",
                       "appsecret_proof": graph._proof(TOKEN)}, headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400
    assert "nonexisting field (created_time)" in answer.json()["error"]["message"]
