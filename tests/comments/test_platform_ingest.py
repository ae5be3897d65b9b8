"""Comments from the platforms: Meta webhooks (/hooks/meta/) and the YouTube poller."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.comments.models import Comment
from replyqueue.integrations.youtube.ingest import channel_poll
from replyqueue.integrations.youtube.quota import next_reset, quota_day
from replyqueue.integrations.youtube.tasks import poll_youtube_channels
from replyqueue.publishing.models import QuotaLedger
from tests.publishing.fake_platforms import FakeYouTube, connect_channel

IG_ACCOUNT = "17841400000000001"
PAGE_ID = "106000000000001"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-please"


# -- Meta webhooks -------------------------------------------------------------------------------


@pytest.fixture
def instagram(creator):
    return connect_channel(
        creator, "instagram", "meta", "", IG_ACCOUNT,
        credentials={"access_token": "t", "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
    )


@pytest.fixture
def facebook(creator):
    return connect_channel(
        creator, "facebook", "meta", "", PAGE_ID, credentials={"access_token": "t", "app_secret": APP_SECRET},
    )


def instagram_delivery(comment_id="17900000000000101", text="What camera do you use?", author="17841499999", **extra):
    """A `comments` notification as Meta documents it (Instagram webhooks, "Comments payload")."""
    value = {"from": {"id": author, "username": "sam.shoots", "self_ig_scoped_id": "2105700000000001"},
             "media": {"id": "18000000001", "media_product_type": "FEED"}, "id": comment_id, "text": text, **extra}
    return {"object": "instagram", "entry": [{"id": IG_ACCOUNT, "time": 1767268800,
                                              "changes": [{"field": "comments", "value": value}]}]}


def page_delivery(comment_id=f"{PAGE_ID}_2001_3001", author="5550001", item="comment", verb="add", **extra):
    post_id = f"{PAGE_ID}_2001"
    value = {"from": {"id": author, "name": "Sam Carter"}, "post_id": post_id, "comment_id": comment_id,
             "created_time": 1767268800, "item": item, "parent_id": post_id, "verb": verb,
             "message": "Which lens was that?", **extra}
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": 1767268801,
                                         "changes": [{"field": "feed", "value": value}]}]}


def post_signed(client, payload, secret=APP_SECRET, signature=None):
    body = json.dumps(payload).encode()
    signature = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/hooks/meta/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


def test_the_subscription_handshake_answers_the_challenge(client, instagram):
    response = client.get(
        "/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_the_handshake_refuses_an_unknown_verify_token(client, instagram):
    response = client.get("/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert response.status_code == 403


def test_the_handshake_refuses_another_mode(client, instagram):
    response = client.get("/hooks/meta/", {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN})
    assert response.status_code == 403


def test_a_delivery_without_a_signature_is_401(client, instagram):
    response = client.post("/hooks/meta/", instagram_delivery(), content_type="application/json")
    assert response.status_code == 401
    assert not Comment.objects.exists()


def test_a_delivery_signed_with_another_secret_is_403(client, instagram):
    assert post_signed(client, instagram_delivery(), secret="not-the-app-secret").status_code == 403
    assert not Comment.objects.exists()


def test_a_signature_over_another_body_is_403(client, instagram):
    other = "sha256=" + hmac.new(APP_SECRET.encode(), b"{}", hashlib.sha256).hexdigest()
    assert post_signed(client, instagram_delivery(), signature=other).status_code == 403


def test_a_delivery_for_an_unknown_account_is_403(client, instagram):
    payload = instagram_delivery()
    payload["entry"][0]["id"] = "999"
    assert post_signed(client, payload).status_code == 403


def test_an_instagram_comment_is_ingested_on_its_channel(client, instagram):
    response = post_signed(client, instagram_delivery(parent_id="17900000000000100"))
    comment = Comment.objects.get()
    assert response.json() == {"received": 1, "new": 1}
    assert (comment.platform, comment.external_id, comment.channel_id) == ("instagram", "17900000000000101", instagram.id)
    assert comment.text == "What camera do you use?"
    assert (comment.fan.external_id, comment.fan.name) == ("17841499999", "sam.shoots")
    assert comment.post.external_id == "18000000001"
    assert comment.parent_external_id == "17900000000000100"


def test_an_instagram_comment_takes_its_time_from_its_own_timestamp(client, instagram):
    # Batched or redelivered notifications are sent later than the comment was made: entry.time
    # (2026-01-01 12:00 UTC) is when Meta sent this one, the value's timestamp when it was written.
    post_signed(client, instagram_delivery(timestamp="2025-12-31T23:59:30+0000"))
    assert Comment.objects.get().created_at.isoformat() == "2025-12-31T23:59:30+00:00"


def test_an_instagram_timestamp_in_unix_seconds_is_read_too(client, instagram):
    post_signed(client, instagram_delivery(timestamp=1767225570))
    assert Comment.objects.get().created_at.isoformat() == "2025-12-31T23:59:30+00:00"


def test_without_a_timestamp_in_the_value_the_notification_time_is_used(client, instagram):
    # Meta's documented `comments` value (from, media, id, text, parent_id) carries no time.
    payload = instagram_delivery()
    assert "timestamp" not in payload["entry"][0]["changes"][0]["value"]
    post_signed(client, payload)
    assert Comment.objects.get().created_at.isoformat() == "2026-01-01T12:00:00+00:00"


def test_an_unreadable_timestamp_falls_back_to_the_notification_time(client, instagram):
    post_signed(client, instagram_delivery(timestamp="yesterday"))
    assert Comment.objects.get().created_at.isoformat() == "2026-01-01T12:00:00+00:00"


def test_a_facebook_page_comment_is_ingested(client, facebook):
    post_signed(client, page_delivery())
    comment = Comment.objects.get()
    assert (comment.platform, comment.external_id, comment.channel_id) == ("facebook", f"{PAGE_ID}_2001_3001", facebook.id)
    assert comment.parent_external_id == ""  # a top-level comment: its parent is the post
    assert comment.created_at.year == 2026


def test_a_facebook_reply_keeps_its_parent_comment(client, facebook):
    post_signed(client, page_delivery(comment_id=f"{PAGE_ID}_2001_3002", parent_id=f"{PAGE_ID}_2001_3001"))
    assert Comment.objects.get().parent_external_id == f"{PAGE_ID}_2001_3001"


def test_a_redelivery_is_not_stored_twice(client, instagram):
    post_signed(client, instagram_delivery())
    response = post_signed(client, instagram_delivery())
    assert response.json() == {"received": 1, "new": 0}
    assert Comment.objects.count() == 1


def test_our_own_replies_are_ignored(client, instagram, facebook):
    post_signed(client, instagram_delivery(author=IG_ACCOUNT))
    post_signed(client, page_delivery(author=PAGE_ID))
    assert not Comment.objects.exists()


@pytest.mark.parametrize("item, verb", [("reaction", "add"), ("comment", "edited"), ("comment", "remove")])
def test_feed_changes_other_than_new_comments_are_ignored(client, facebook, item, verb):
    response = post_signed(client, page_delivery(item=item, verb=verb))
    assert response.status_code == 200
    assert not Comment.objects.exists()


def test_a_comment_that_does_not_validate_is_skipped_not_fatal(client, instagram):
    response = post_signed(client, instagram_delivery(text="x" * 10_001))
    assert response.status_code == 200
    assert not Comment.objects.exists()


def test_a_body_that_is_not_json_is_400(client, instagram):
    response = client.post("/hooks/meta/", b"{not json", content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256="sha256=00")
    assert response.status_code == 400


# -- YouTube poller ------------------------------------------------------------------------------

CHANNEL_ID = "UCmia"


@pytest.fixture
def youtube(settings):
    fake = FakeYouTube(channel_id=CHANNEL_ID, page_size=2).start()
    yield fake
    fake.stop()


@pytest.fixture
def channel(creator, youtube):
    return connect_channel(creator, "youtube", "youtube", youtube.url, CHANNEL_ID,
                           credentials={"access_token": youtube.access_token})


def threads(youtube, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        youtube.add_thread(f"Ugz{n}", f"question {n}", f"2026-01-01T10:{n:02d}:00Z", author=f"UCfan{n}")


def test_it_ingests_new_threads_across_pages(channel, youtube):
    threads(youtube, 5)
    result = channel_poll(channel)
    comments = Comment.objects.order_by("external_id")
    assert (result.ingested, result.pages, result.complete) == (5, 3, True)
    assert [c.external_id for c in comments] == [f"Ugz{n}" for n in range(5)]
    assert all(c.channel_id == channel.id and c.platform == "youtube" for c in comments)
    assert comments[0].post.external_id == "vid1"


def test_the_next_poll_reads_only_until_the_newest_thread_it_has_seen(channel, youtube):
    threads(youtube, 5)
    channel_poll(channel)
    threads(youtube, 1, start=5)
    result = channel_poll(channel)
    assert (result.ingested, result.pages) == (1, 1)
    assert Comment.objects.count() == 6


def test_the_cursor_is_stored_on_the_channel(channel, youtube):
    threads(youtube, 2)
    channel_poll(channel)
    channel.refresh_from_db()
    assert "Ugz1" in channel.poll_cursor
    assert channel.polled_at is not None


def test_the_first_poll_reads_a_bounded_number_of_pages(channel, youtube, settings):
    settings.YOUTUBE_FIRST_POLL_PAGES = 2
    threads(youtube, 9)
    result = channel_poll(channel)
    assert (result.pages, result.ingested) == (2, 4)


def test_the_creators_own_comments_are_not_ingested(channel, youtube):
    youtube.add_thread("UgzOwn", "thanks everyone!", "2026-01-01T11:00:00Z", author=CHANNEL_ID)
    channel_poll(channel)
    assert not Comment.objects.exists()


def test_each_page_counts_one_quota_unit(channel, youtube):
    threads(youtube, 5)
    channel_poll(channel)
    assert QuotaLedger.objects.get(day=quota_day(timezone.now())).units_used == 3


def test_quota_exceeded_stops_until_the_daily_reset(channel, youtube):
    threads(youtube, 5)
    youtube.list_script = ["ok", "quota"]
    result = channel_poll(channel)
    assert (result.ingested, result.complete) == (2, False)
    assert QuotaLedger.objects.get(day=quota_day(timezone.now())).exhausted_until == next_reset(timezone.now())
    calls = youtube.calls[("GET", "commentThreads")]
    assert channel_poll(channel).stopped.startswith("quota spent until")
    assert youtube.calls[("GET", "commentThreads")] == calls


def test_a_poll_cut_short_does_not_move_the_cursor_and_resumes_next_time(channel, youtube):
    threads(youtube, 5)
    youtube.list_script = ["ok", "500"]
    channel_poll(channel)
    channel.refresh_from_db()
    assert channel.poll_cursor == ""
    result = channel_poll(channel)
    assert result.complete
    assert Comment.objects.count() == 5


def test_the_quota_counts_again_after_the_reset(channel, youtube):
    QuotaLedger.objects.create(project="default", day=timezone.now().date() - timedelta(days=3), units_used=10_000,
                                exhausted_until=timezone.now() - timedelta(days=2))
    threads(youtube, 1)
    assert channel_poll(channel).ingested == 1
    assert QuotaLedger.objects.get(day=quota_day(timezone.now())).units_used == 1


def test_replies_included_in_a_thread_are_stored_under_it(channel, youtube):
    threads(youtube, 1)
    youtube.add_reply("Ugz0", "same question here", "UCother", "Other fan")
    result = channel_poll(channel)
    reply = Comment.objects.exclude(external_id="Ugz0").get()
    assert (reply.parent_external_id, reply.text, reply.fan.external_id) == ("Ugz0", "same question here", "UCother")
    assert (result.ingested, result.replies) == (2, 1)
    assert youtube.calls[("GET", "comments")] == 0  # all included: no comments.list


def test_a_thread_with_more_replies_than_included_is_read_with_comments_list(channel, youtube):
    threads(youtube, 1)
    for n in range(5):  # 2 are included in the thread; the fake lists 2 a page
        youtube.add_reply("Ugz0", f"reply {n}", f"UCr{n}", f"fan r{n}")
    youtube.add_reply("Ugz0", "thanks all!", CHANNEL_ID, "Mia")  # the creator's own reply
    result = channel_poll(channel)
    replies = Comment.objects.filter(parent_external_id="Ugz0").order_by("text")
    assert [c.text for c in replies] == [f"reply {n}" for n in range(5)]
    assert youtube.calls[("GET", "comments")] == 3  # 6 replies, 2 a page
    assert (result.pages, result.complete) == (4, True)
    # Every page is a unit of the project's day: 1 commentThreads + 3 comments.list.
    assert QuotaLedger.objects.get(project="default", day=quota_day(timezone.now())).units_used == 4
    assert youtube.units["default"] == 4


def test_replies_cut_short_by_the_quota_are_read_again_by_the_next_poll(channel, youtube, settings):
    threads(youtube, 1)
    for n in range(5):
        youtube.add_reply("Ugz0", f"reply {n}", f"UCr{n}", f"fan r{n}")
    youtube.list_script = ["ok", "ok", "quota"]
    result = channel_poll(channel)
    assert not result.complete and "quota" in result.stopped
    channel.refresh_from_db()
    assert channel.poll_cursor == ""
    QuotaLedger.objects.all().delete()  # the next Pacific day
    assert channel_poll(channel).complete
    assert Comment.objects.filter(parent_external_id="Ugz0").count() == 5


def test_the_reply_listing_stops_at_the_polling_reserve(channel, youtube, settings):
    settings.YOUTUBE_DAILY_QUOTA = 1_002
    settings.YOUTUBE_REPLY_RESERVE = 1_000  # polling may spend 2 units
    threads(youtube, 1)
    for n in range(5):
        youtube.add_reply("Ugz0", f"reply {n}", f"UCr{n}", f"fan r{n}")
    result = channel_poll(channel)
    assert result.stopped.startswith("quota spent until") and not result.complete
    assert youtube.calls[("GET", "comments")] == 1
    assert QuotaLedger.objects.get(day=quota_day(timezone.now())).units_used == 2


def test_a_reply_added_later_to_a_thread_already_read_is_ingested(channel, youtube):
    threads(youtube, 1)
    channel_poll(channel)
    youtube.add_reply("Ugz0", "did you ever answer this?", "UCother", "Other fan")  # the thread is older than the cursor
    result = channel_poll(channel)
    reply = Comment.objects.get(parent_external_id="Ugz0")
    assert (reply.text, result.ingested) == ("did you ever answer this?", 1)


def test_replies_grown_past_those_included_are_listed_from_the_quota(channel, youtube):
    threads(youtube, 1)
    channel_poll(channel)
    for n in range(3):  # 2 are included in the thread: the rest needs comments.list
        youtube.add_reply("Ugz0", f"late reply {n}", f"UCr{n}", f"fan r{n}")
    before = QuotaLedger.objects.get(day=quota_day(timezone.now())).units_used
    channel_poll(channel)
    assert Comment.objects.filter(parent_external_id="Ugz0").count() == 3
    assert youtube.calls[("GET", "comments")] == 2  # 3 replies, 2 a page
    assert QuotaLedger.objects.get(day=quota_day(timezone.now())).units_used == before + 3  # threads + 2 pages


def test_a_thread_whose_replies_did_not_grow_is_not_read_again(channel, youtube):
    threads(youtube, 1)
    for n in range(3):
        youtube.add_reply("Ugz0", f"reply {n}", f"UCr{n}", f"fan r{n}")
    channel_poll(channel)
    calls = youtube.calls[("GET", "comments")]
    result = channel_poll(channel)
    assert youtube.calls[("GET", "comments")] == calls
    assert (result.replies, result.pages) == (0, 1)


def test_the_periodic_task_polls_every_enabled_youtube_channel(channel, youtube, creator):
    threads(youtube, 1)
    connect_channel(creator, "youtube", "youtube", youtube.url, "UCpaused", enabled=False)
    poll_youtube_channels.delay()
    assert Comment.objects.get().external_id == "Ugz0"
    assert youtube.calls[("GET", "commentThreads")] == 1


def test_a_channel_without_credentials_is_not_polled(creator, youtube):
    channel = connect_channel(creator, "youtube", "youtube", youtube.url, CHANNEL_ID)
    assert channel_poll(channel).stopped == "the channel has no credentials to poll with"
    assert youtube.calls == {}


def test_a_deeply_nested_delivery_is_a_clear_400(client, instagram):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/hooks/meta/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256="sha256=00")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]


def test_polling_stops_at_the_reserve_so_replies_keep_their_quota(channel, youtube, settings):
    from replyqueue.integrations.youtube.quota import INSERT_UNITS, REPLY, quota_take

    settings.YOUTUBE_DAILY_QUOTA = 60
    settings.YOUTUBE_REPLY_RESERVE = INSERT_UNITS  # one reply's worth is kept back from polling
    settings.YOUTUBE_FIRST_POLL_PAGES = 100
    youtube.page_size = 1
    threads(youtube, 30)
    result = channel_poll(channel)
    assert result.pages == 10  # 60 - 50 units for polling
    assert result.stopped.startswith("quota spent")
    assert quota_take(channel, INSERT_UNITS, REPLY) is None  # the reply still has its 50 units
    assert QuotaLedger.objects.get().units_used == 60
