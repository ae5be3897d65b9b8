"""Per-channel rate limits: a burst of approvals never sends more than the channel allows per minute."""

import os
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.publishing.claiming import channel_sends_prune, publications_due
from replyqueue.publishing.models import ChannelSend, Publication
from replyqueue.publishing.sending import publication_send
from tests.factories import drafted
from tests.publishing.fake_platforms import FakeYouTube, approve, connect_channel, send_now

CHANNEL_ID = "UCmia"


@pytest.fixture
def youtube(settings):
    fake = FakeYouTube(channel_id=CHANNEL_ID).start()
    yield fake
    fake.stop()


@pytest.fixture
def channel(creator, youtube, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    return connect_channel(
        creator, "youtube", "youtube", youtube.url, CHANNEL_ID,
        credentials={"access_token": youtube.access_token}, rate_limit_per_minute=3,
    )


def burst(creator, owner, count: int, prefix: str = "Ugz") -> list[Publication]:
    return [approve(creator, owner, f"{prefix}{n}") for n in range(count)]


def due_burst(creator, owner, count: int) -> list[int]:
    """Approved inside their undo window (so nothing is enqueued at commit), then all due at once."""
    creator.undo_delay_seconds = 30
    creator.save()
    ids = [publication.id for publication in burst(creator, owner, count)]
    past = timezone.now() - timedelta(seconds=1)
    Publication.objects.filter(id__in=ids).update(due_at=past, next_attempt_at=past)
    return ids


def require_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    if os.getenv("REQUIRE_SERVICES") == "1":
        pytest.fail("this test needs PostgreSQL (REQUIRE_SERVICES=1)")
    pytest.skip("concurrent workers need PostgreSQL (scripts/test uses it when it runs)")


def test_a_burst_never_exceeds_the_channel_limit(creator, owner, channel, youtube):
    publications = [send_now(publication) for publication in burst(creator, owner, 6)]
    assert len(youtube.replies) == 3
    assert [p.status for p in publications] == ["sent"] * 3 + ["queued"] * 3


def test_a_deferred_reply_waits_until_a_slot_frees_and_is_not_an_attempt(creator, owner, channel):
    publications = [send_now(publication) for publication in burst(creator, owner, 4)]
    first_send = ChannelSend.objects.order_by("sent_at").first().sent_at
    deferred = publications[-1]
    assert deferred.attempts == 0
    assert deferred.next_attempt_at >= first_send + timedelta(seconds=60)
    assert "rate limit (3 per minute)" in deferred.last_error


def test_a_deferred_reply_goes_out_once_the_minute_has_passed(creator, owner, channel, youtube):
    publications = [send_now(publication) for publication in burst(creator, owner, 4)]
    ChannelSend.objects.update(sent_at=timezone.now() - timedelta(seconds=61))
    assert send_now(publications[-1]).status == "sent"
    assert len(youtube.replies) == 4


def test_retries_count_against_the_limit(creator, owner, channel, youtube):
    channel.rate_limit_per_minute = 2
    channel.save()
    first, second = burst(creator, owner, 2)
    youtube.script = ["500"]
    send_now(first)
    send_now(first)
    assert send_now(second).status == "queued"
    assert len(youtube.replies) == 1


def test_limits_are_counted_per_channel(creator, owner, channel, youtube):
    channel.rate_limit_per_minute = 1
    channel.save()
    second = connect_channel(
        creator, "youtube", "youtube", youtube.url, "UCsecond",
        credentials={"access_token": youtube.access_token}, rate_limit_per_minute=1,
    )
    drafts = [drafted(creator, f"Ugz{n}") for n in range(3)]
    Comment.objects.filter(id=drafts[1].comment_id).update(channel=second)
    drafts[1].comment.refresh_from_db()
    publications = [draft_approve(draft=draft, actor=Actor(role="owner", user=owner)) for draft in drafts]
    assert [send_now(p).status for p in publications] == ["sent", "sent", "queued"]
    assert [p.channel_id for p in publications] == [channel.id, second.id, channel.id]


def test_a_limit_of_zero_means_no_limit(creator, owner, channel, youtube):
    channel.rate_limit_per_minute = 0
    channel.save()
    for publication in burst(creator, owner, 5):
        send_now(publication)
    assert len(youtube.replies) == 5


def test_the_sweeper_forgets_sends_older_than_an_hour(channel):
    ChannelSend.objects.create(channel=channel, sent_at=timezone.now() - timedelta(hours=2))
    ChannelSend.objects.create(channel=channel)
    assert channel_sends_prune() == 1
    assert ChannelSend.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_never_exceed_the_limit(creator, owner, channel, youtube):
    require_postgresql()
    channel.rate_limit_per_minute = 5
    channel.save()
    ids = due_burst(creator, owner, 16)
    start = threading.Barrier(8)

    def worker(share: list[int]) -> None:
        try:
            start.wait()
            for publication_id in share:
                publication_send(publication_id=publication_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(ids[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(youtube.replies) == 5
    assert Publication.objects.filter(status="sent").count() == 5
    assert Publication.objects.filter(status="queued", attempts=0).count() == 11


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_take_different_publications(creator, owner, channel):
    require_postgresql()
    channel.rate_limit_per_minute = 0
    channel.save()
    ids = set(due_burst(creator, owner, 6))
    locked, release = threading.Event(), threading.Event()
    taken: list[int] = []

    def other_sweeper() -> None:
        try:
            with transaction.atomic():
                taken.extend(
                    Publication.objects.select_for_update().filter(id__in=sorted(ids)[:3]).values_list("id", flat=True)
                )
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_sweeper)
    thread.start()
    locked.wait(10)
    mine = publications_due()
    release.set()
    thread.join()
    assert set(mine) == ids - set(taken)
