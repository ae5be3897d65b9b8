"""Replies through the YouTube Data API v3, against a loopback YouTube API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.integrations.youtube.quota import next_reset
from replyqueue.publishing.claiming import publication_claim, publications_release_stale
from replyqueue.publishing.connectors import get_connector
from replyqueue.publishing.models import Publication, QuotaLedger
from tests.publishing.fake_platforms import FakeYouTube, approve, connect_channel, send_now

CHANNEL_ID = "UCmia"


@pytest.fixture
def youtube(settings):
    settings.PUBLISH_TIMEOUT = 0.5
    fake = FakeYouTube(access_token="ya29.token", channel_id=CHANNEL_ID).start()
    fake.hang_seconds = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def channel(creator, youtube, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    return connect_channel(creator, "youtube", "youtube", youtube.url, CHANNEL_ID, credentials={"access_token": "ya29.token"})


@pytest.fixture
def publication(creator, owner, channel):
    return approve(creator, owner, "Ugz1")


def test_it_inserts_a_reply_with_the_parent_id_and_the_text(publication, youtube):
    send_now(publication)
    [reply] = youtube.replies_to("Ugz1")
    assert (publication.status, publication.connector) == ("sent", "youtube")
    assert reply.text == publication.text
    assert publication.external_reply_id == f"Ugz1.{reply.id}"


def test_a_reply_to_a_reply_goes_to_the_top_level_comment(creator, owner, channel, youtube):
    send_now(approve(creator, owner, "Ugz1.reply7", parent_external_id="Ugz1"))
    assert len(youtube.replies_to("Ugz1")) == 1


def test_each_reply_counts_fifty_quota_units_of_the_project(publication, channel):
    send_now(publication)
    assert QuotaLedger.objects.get().units_used == 50


def test_quota_exceeded_waits_for_the_daily_reset_without_using_an_attempt(publication, youtube, channel):
    youtube.script = ["quota"]
    send_now(publication)
    reset = next_reset(timezone.now())
    assert (publication.status, publication.attempts) == ("queued", 0)
    assert "quota exhausted" in publication.last_error
    assert publication.next_attempt_at >= reset - timedelta(seconds=5)
    assert QuotaLedger.objects.get().exhausted_until == reset


def test_a_spent_quota_is_not_called_again_before_the_reset(creator, owner, publication, youtube):
    youtube.script = ["quota"]
    send_now(publication)
    other = send_now(approve(creator, owner, "Ugz2"))
    assert other.status == "queued"
    assert youtube.calls[("POST", "comments")] == 1


def test_the_daily_budget_is_respected_before_youtube_refuses(publication, youtube, settings):
    settings.YOUTUBE_DAILY_QUOTA = 40
    send_now(publication)
    assert publication.status == "queued"
    assert youtube.calls == {}


def test_rate_limit_exceeded_is_retried_with_backoff(publication, youtube):
    youtube.script = ["rate"]
    send_now(publication)
    assert (publication.status, publication.attempts) == ("failed", 1)
    assert "rateLimitExceeded" in publication.last_error


def test_a_backend_error_is_retried_and_then_sent_once(publication, youtube):
    youtube.script = ["500"]
    send_now(publication)
    assert publication.status == "failed"
    send_now(publication)
    assert publication.status == "sent"
    assert len(youtube.replies_to("Ugz1")) == 1


def test_an_expired_token_is_refreshed_and_the_reply_sent_once(publication, youtube, channel):
    channel.set_credentials({
        "access_token": "ya29.expired", "refresh_token": youtube.refresh_token,
        "client_id": "cid", "client_secret": "csecret", "token_uri": f"{youtube.url}/token",
    })
    channel.save()
    send_now(publication)
    channel.refresh_from_db()
    assert publication.status == "sent"
    assert youtube.refreshes == 1
    assert channel.credentials["access_token"] == youtube.access_token
    assert len(youtube.replies_to("Ugz1")) == 1


def test_refused_credentials_without_a_refresh_token_are_permanent(publication, youtube):
    youtube.script = ["unauthorized"]
    send_now(publication)
    assert publication.status == "dead"
    assert "reconnect the channel" in publication.last_error


def test_forbidden_is_permanent_with_a_clear_message(publication, youtube):
    youtube.script = ["forbidden"]
    send_now(publication)
    assert publication.status == "dead"
    assert "does not allow this account to reply" in publication.last_error


def test_comments_disabled_is_permanent(publication, youtube):
    youtube.script = ["disabled"]
    send_now(publication)
    assert publication.status == "dead"
    assert "Comments are disabled on this video" in publication.last_error


def test_a_deleted_parent_comment_is_permanent(publication, youtube):
    youtube.deleted.add("Ugz1")
    send_now(publication)
    assert publication.status == "dead"
    assert "no longer exists on YouTube" in publication.last_error


def test_a_hang_before_youtube_acted_is_unknown_then_sent_once(publication, youtube):
    youtube.script = ["hang"]
    send_now(publication)
    assert publication.status == "unknown"
    send_now(publication)
    assert publication.status == "sent"
    assert len(youtube.replies_to("Ugz1")) == 1
    assert youtube.calls[("GET", "comments")] == 1


def test_a_timeout_after_youtube_accepted_is_reconciled_not_resent(publication, youtube):
    youtube.script = ["accept_then_hang"]
    send_now(publication)
    send_now(publication)
    [reply] = youtube.replies_to("Ugz1")
    assert publication.status == "sent"
    assert publication.external_reply_id == f"Ugz1.{reply.id}"
    assert youtube.calls[("POST", "comments")] == 1


def test_a_malformed_answer_is_reconciled_not_resent(publication, youtube):
    youtube.script = ["malformed"]
    send_now(publication)
    assert publication.status == "unknown"
    send_now(publication)
    assert publication.status == "sent"
    assert youtube.calls[("POST", "comments")] == 1


def test_a_crash_between_accept_and_record_does_not_send_twice(publication, youtube, settings):
    assert publication_claim(publication.id)
    publication.refresh_from_db()
    assert get_connector("youtube").send(publication).kind == "sent"  # then the worker dies
    Publication.objects.filter(id=publication.id).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.STALE_CLAIM_SECONDS + 1)
    )
    publications_release_stale()

    send_now(publication)
    assert publication.status == "sent"
    assert len(youtube.replies_to("Ugz1")) == 1
    assert youtube.calls[("POST", "comments")] == 1


def test_reconcile_pages_through_the_whole_thread(publication, youtube):
    youtube.page_size = 2
    for n in range(5):
        youtube.add_reply("Ugz1", f"fan reply {n}", author_id=f"UCfan{n}")
    youtube.script = ["accept_then_hang"]
    send_now(publication)
    send_now(publication)
    assert publication.status == "sent"
    assert youtube.calls[("POST", "comments")] == 1
    assert youtube.calls[("GET", "comments")] == 3


def test_a_lookup_refused_for_quota_defers_and_does_not_send(publication, youtube, channel):
    youtube.script = ["hang"]
    send_now(publication)
    youtube.list_script = ["quota"]
    send_now(publication)
    assert publication.status == "failed"
    assert publication.outcome_unknown
    assert youtube.calls[("POST", "comments")] == 1
    assert QuotaLedger.objects.get().exhausted_until is not None


def test_the_quota_is_shared_by_every_channel_of_a_cloud_project(creator, owner, channel, youtube, settings):
    # Google counts 10,000 units a day per Cloud project, not per channel: two channels connected
    # through the same OAuth client draw from one budget, and the third reply must wait.
    settings.YOUTUBE_DAILY_QUOTA = youtube.daily_quota = 120
    youtube.project = "cid"
    channel.set_credentials({"access_token": "ya29.token", "client_id": "cid"})
    channel.save()
    youtube.authorize("ya29.second", "UCsecond", project="cid")
    second = connect_channel(creator, "youtube", "youtube", youtube.url, "UCsecond",
                             credentials={"access_token": "ya29.second", "client_id": "cid"})
    first = send_now(approve_on(channel, owner, "Ugz1"))
    other = send_now(approve_on(second, owner, "Ugz2"))
    third = send_now(approve_on(channel, owner, "Ugz3"))
    assert (first.status, other.status) == ("sent", "sent")
    assert (third.status, third.attempts) == ("queued", 0)
    assert "quota of this project is spent" in third.last_error
    assert youtube.calls[("POST", "comments")] == 2  # never asked Google for what it would refuse
    assert QuotaLedger.objects.get(project="cid").units_used == 100


def test_the_fake_counts_quota_per_project_like_google(creator, owner, channel, youtube, settings):
    settings.YOUTUBE_DAILY_QUOTA = 10_000  # we think there is room; Google knows better
    youtube.daily_quota = 60
    youtube.units["default"] = 20  # spent elsewhere with the same project
    publication = send_now(approve(creator, owner, "Ugz1"))
    assert publication.status == "queued"
    assert "quotaExceeded" in publication.last_error


def approve_on(channel, owner, external_id: str) -> Publication:
    """A comment that came through `channel`: its reply goes out through that channel."""
    from replyqueue.comments.services import comments_ingest
    from replyqueue.inbox.actions import Actor, draft_approve
    from replyqueue.inbox.drafting import comment_process
    from replyqueue.inbox.models import Draft
    from tests.conftest import comment_payload

    [result] = comments_ingest(creator=channel.creator, items=[comment_payload(external_id)], channel=channel)
    comment_process(comment_id=result.comment.id)
    draft = Draft.objects.select_related("comment", "creator").get(comment=result.comment)
    return draft_approve(draft=draft, actor=Actor(role="owner", user=owner))


def test_the_failed_tab_shows_the_quota_left(client, owner, publication, channel):
    from tests.pages import login

    send_now(publication)
    body = login(client, owner).get("/inbox/?tab=failed").content.decode()
    assert 'id="youtube-quota"' in body
    assert "9950 units" in body and "about 199 replies" in body
