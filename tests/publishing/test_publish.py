from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.publishing.claiming import publications_release_stale
from replyqueue.publishing.connectors.base import parse_retry_after
from replyqueue.publishing.models import Publication
from replyqueue.publishing.sending import backoff_seconds, publication_send
from replyqueue.publishing.services import publication_retry
from replyqueue.publishing.tasks import sweep_once
from tests.conftest import webhook_receiver_for
from tests.factories import drafted


@pytest.fixture
def receiver(creator):
    with webhook_receiver_for(creator, hang_seconds=1.5) as state:
        yield state


@pytest.fixture
def publication(creator, owner, camera_faq, receiver):
    draft = drafted(creator)
    return draft_approve(draft=draft, actor=Actor(role="owner", user=owner))


def send(publication):
    Publication.objects.filter(id=publication.id).update(next_attempt_at=timezone.now())
    publication_send(publication_id=publication.id)
    publication.refresh_from_db()
    return publication


def test_it_delivers_a_signed_reply_with_the_disclosure_label(publication, receiver):
    send(publication)
    assert publication.status == "sent"
    assert receiver.rejected == 0
    payload = receiver.payloads[publication.idempotency_key]
    assert payload["type"] == "reply.approved"
    assert payload["data"]["reply"]["text"].endswith("(AI-assisted reply)")


def test_a_server_error_is_retried_later_with_backoff(publication, receiver):
    receiver.script = ["500"]
    send(publication)
    assert publication.status == "failed"
    assert publication.attempts == 1
    assert "HTTP 500" in publication.last_error
    assert publication.next_attempt_at >= timezone.now() - timedelta(seconds=1)


def test_a_429_is_not_retried_before_its_retry_after(publication, receiver):
    receiver.script = ["429"]
    before = timezone.now()
    send(publication)
    assert publication.status == "failed"
    assert publication.next_attempt_at >= before + timedelta(seconds=1)


def test_a_publication_that_is_not_due_is_not_sent(publication, receiver):
    receiver.script = ["500"]
    send(publication)
    publication_send(publication_id=publication.id)  # next_attempt_at is in the future
    publication.refresh_from_db()
    assert publication.attempts == 1


def test_a_4xx_is_retried_on_the_webhook_schedule_not_dead(publication, receiver, creator):
    creator.webhook_secret = "whsec_" + "A" * 44  # the receiver will reject the signature
    creator.save()
    before = timezone.now()
    send(publication)
    assert (publication.status, publication.attempts) == ("failed", 1)
    assert publication.last_error == "HTTP 401"  # the status only, never the receiver's body
    assert before + timedelta(seconds=5) <= publication.next_attempt_at <= timezone.now() + timedelta(seconds=6.1)


def test_it_gives_up_after_the_last_attempt(publication, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.script = ["500", "500"]
    send(publication)
    send(publication)
    assert publication.status == "dead"
    assert "Gave up after 2 attempts" in publication.last_error


def test_it_gives_up_once_the_retry_period_is_over(publication, receiver, settings):
    settings.WEBHOOK_MAX_RETRY_HOURS = 72
    Publication.objects.filter(id=publication.id).update(due_at=timezone.now() - timedelta(hours=73))
    receiver.script = ["503"]
    send(publication)
    assert publication.status == "dead"
    assert "over 3.0 days" in publication.last_error


def test_a_timeout_is_retried_with_the_same_webhook_id_and_says_only_unreachable(publication, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    receiver.script = ["hang"]
    send(publication)
    assert (publication.status, publication.last_error) == ("failed", "unreachable")
    send(publication)
    assert publication.status == "sent"
    wait = timezone.now() + timedelta(seconds=3)
    while receiver.deliveries[publication.idempotency_key] < 2 and timezone.now() < wait:
        pass
    # The hung request arrived too: the receiver saw the same webhook-id twice and keeps one reply.
    assert receiver.unique_deliveries == 1


def test_a_refused_connection_reads_the_same_as_a_timeout(publication, creator):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    creator.webhook_url = f"http://127.0.0.1:{port}/hook"
    creator.save()
    send(publication)
    assert (publication.status, publication.last_error) == ("failed", "unreachable")


def test_a_dead_publication_can_be_retried_by_hand(publication, receiver, creator, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    good_secret = creator.webhook_secret
    creator.webhook_secret = "whsec_" + "A" * 44
    creator.save()
    send(publication)
    assert publication.status == "dead"
    creator.webhook_secret = good_secret
    creator.save()
    assert publication_retry(publication=publication)
    send(publication)
    assert publication.status == "sent"


def test_a_send_abandoned_by_a_dead_worker_becomes_unknown(publication, settings):
    Publication.objects.filter(id=publication.id).update(
        status="sending", claimed_at=timezone.now() - timedelta(seconds=settings.STALE_CLAIM_SECONDS + 1)
    )
    assert publications_release_stale() == 1
    publication.refresh_from_db()
    assert (publication.status, publication.outcome_unknown) == ("unknown", True)


def test_the_sweeper_reconciles_an_unknown_send_by_resending_the_same_webhook_id(publication, receiver):
    Publication.objects.filter(id=publication.id).update(status="unknown", outcome_unknown=True)
    sweep_once()
    publication.refresh_from_db()
    assert publication.status == "sent"
    assert receiver.deliveries[publication.idempotency_key] == 1


def test_the_sweeper_sends_publications_whose_undo_window_has_passed(creator, owner, camera_faq, receiver):
    creator.undo_delay_seconds = 30
    creator.save()
    publication = draft_approve(draft=drafted(creator), actor=Actor(role="owner", user=owner))
    sweep_once()
    publication.refresh_from_db()
    assert publication.status == "queued"
    Publication.objects.filter(id=publication.id).update(due_at=timezone.now() - timedelta(seconds=1))
    sweep_once()
    publication.refresh_from_db()
    assert publication.status == "sent"


@pytest.mark.parametrize(
    "value, expected",
    [("7", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("", None), ("soon", None)],
)
def test_retry_after_accepts_seconds_and_http_dates(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_in_the_future_counts_the_seconds_left():
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0


def test_backoff_uses_full_jitter_under_an_exponential_ceiling(settings):
    settings.PUBLISH_BACKOFF_BASE = 2
    delays = [backoff_seconds(4) for _ in range(200)]
    assert all(0 <= d <= 16 for d in delays)
    assert max(delays) - min(delays) > 4  # jittered, not a fixed delay


def test_backoff_never_comes_before_retry_after():
    assert all(backoff_seconds(1, retry_after=20) >= 20 for _ in range(50))
