"""Replies through the Meta Graph API, against a loopback Graph API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.comments.models import Channel
from replyqueue.publishing.claiming import publication_claim, publications_release_stale
from replyqueue.publishing.connectors import get_connector
from replyqueue.publishing.models import ChannelQuota, Publication
from tests.publishing.fake_platforms import FakeGraph, approve, connect_channel, send_now

TOKEN = "page-token"
APP_SECRET = "app-secret"


@pytest.fixture
def graph(settings):
    settings.PUBLISH_TIMEOUT = 0.5
    fake = FakeGraph(access_token=TOKEN, app_secret=APP_SECRET).start()
    fake.hang_seconds = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def instagram(creator, graph, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    return connect_channel(
        creator, "instagram", "meta", graph.url, graph.page_id,
        credentials={"access_token": TOKEN, "app_secret": APP_SECRET},
    )


@pytest.fixture
def facebook(creator, graph, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    return connect_channel(
        creator, "facebook", "meta", graph.url, graph.page_id,
        credentials={"access_token": TOKEN, "app_secret": APP_SECRET},
    )


@pytest.fixture
def publication(creator, owner, instagram):
    return approve(creator, owner, "c1", platform="instagram")


def test_it_replies_to_an_instagram_comment_on_its_replies_edge(publication, graph):
    send_now(publication)
    [reply] = graph.replies_to("c1")
    assert (publication.status, publication.connector) == ("sent", "meta")
    assert publication.external_reply_id == reply.id
    assert reply.text == publication.text
    assert graph.calls[("POST", "replies")] == 1


def test_it_replies_to_a_facebook_comment_on_its_comments_edge(creator, owner, facebook, graph):
    publication = send_now(approve(creator, owner, "10150_c9", platform="facebook"))
    [reply] = graph.replies_to("10150_c9")
    assert publication.status == "sent"
    assert publication.external_reply_id == reply.id
    assert graph.calls[("POST", "comments")] == 1


def test_a_reply_to_a_reply_goes_under_the_top_level_comment(creator, owner, instagram, graph):
    send_now(approve(creator, owner, "c2", platform="instagram", parent_external_id="c0"))
    assert len(graph.replies_to("c0")) == 1
    assert graph.replies_to("c2") == []


def test_a_wrong_app_secret_is_refused_for_good(publication, instagram, graph):
    instagram.set_credentials({"access_token": TOKEN, "app_secret": "not-the-secret"})
    instagram.save()
    send_now(publication)
    assert publication.status == "dead"
    assert "appsecret_proof" in publication.last_error
    assert graph.replies == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_a_throttling_error_defers_without_using_an_attempt(publication, graph, code, settings):
    graph.script = [f"throttle:{code}"]
    before = timezone.now()
    send_now(publication)
    assert (publication.status, publication.attempts) == ("queued", 0)
    assert f"Graph API error {code}" in publication.last_error
    assert publication.next_attempt_at >= before + timedelta(seconds=settings.META_THROTTLE_FALLBACK_SECONDS)


def test_a_business_use_case_throttle_waits_for_metas_estimate(publication, graph):
    graph.regain_minutes = 95
    graph.script = ["throttle:32"]
    before = timezone.now()
    send_now(publication)
    assert publication.status == "queued"
    assert publication.next_attempt_at >= before + timedelta(minutes=95)


def test_a_channel_throttled_for_hours_never_kills_the_publication(publication, graph, settings):
    Channel.objects.update(rate_limit_per_minute=0)
    graph.script = ["throttle:4"] * 30  # far more than PUBLISH_MAX_ATTEMPTS
    for _ in range(30):
        graph.calls.clear()
        Publication.objects.filter(id=publication.id).update(next_attempt_at=timezone.now())
        ChannelQuota.objects.update(exhausted_until=None)  # as if the hold had run out
        send_now(publication)
        assert publication.status == "queued"
    assert publication.attempts == 0
    graph.script = []
    ChannelQuota.objects.update(exhausted_until=None)
    send_now(publication)
    assert publication.status == "sent"


def test_a_throttled_channel_holds_its_other_publications_without_calling_meta(creator, owner, publication, graph):
    graph.script = ["throttle:4"]
    send_now(publication)
    other = send_now(approve(creator, owner, "c2", platform="instagram"))
    assert (other.status, other.attempts) == ("queued", 0)
    assert graph.calls[("POST", "replies")] == 1


def test_usage_at_95_percent_defers_before_meta_refuses(creator, owner, publication, graph):
    graph.usage_per_call = 96
    send_now(publication)
    assert publication.status == "sent"  # this one went through, and reported 96 % usage
    other = send_now(approve(creator, owner, "c2", platform="instagram"))
    assert (other.status, other.attempts) == ("queued", 0)
    assert "Meta rate limit" in other.last_error
    assert graph.calls[("POST", "replies")] == 1


def test_the_fake_graph_throttles_with_the_documented_code_and_header(graph):
    import json

    import httpx

    graph.usage = 100
    graph.usage_per_call = 1
    answer = httpx.post(f"{graph.url}/v24.0/c1/replies", data={"message": "hi", "appsecret_proof": graph._proof(TOKEN)},
                        headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.json()["error"]["code"] == 4
    assert json.loads(answer.headers["x-app-usage"])["call_count"] == 100
    assert "retry-after" not in answer.headers


@pytest.mark.parametrize("code", [341, 368])
def test_temporary_blocks_are_retried_with_backoff_not_dead(publication, graph, code):
    graph.script = [f"temporary:{code}"]
    before = timezone.now()
    send_now(publication)
    assert (publication.status, publication.attempts) == ("failed", 1)
    assert publication.next_attempt_at >= before + timedelta(seconds=60)
    send_now(publication)
    assert publication.status == "sent"


def test_a_bare_429_from_a_proxy_is_retried(publication, graph):
    graph.script = ["429"]
    send_now(publication)
    assert publication.status == "failed"
    assert "HTTP 429" in publication.last_error


def test_an_expired_access_token_is_permanent_and_says_to_reconnect(publication, graph):
    graph.script = ["token"]
    send_now(publication)
    assert publication.status == "dead"
    assert "access token is invalid or expired" in publication.last_error
    assert "190" in publication.last_error


def test_a_deleted_comment_is_permanent(publication, graph):
    graph.deleted.add("c1")
    send_now(publication)
    assert publication.status == "dead"
    assert "comment was deleted" in publication.last_error


def test_a_missing_permission_is_permanent(publication, graph):
    graph.script = ["permission"]
    send_now(publication)
    assert publication.status == "dead"
    assert "lacks a permission" in publication.last_error


def test_a_server_error_is_retried_and_then_sent_once(publication, graph):
    graph.script = ["500"]
    send_now(publication)
    assert publication.status == "failed"
    send_now(publication)
    assert publication.status == "sent"
    assert len(graph.replies_to("c1")) == 1


def test_a_proxy_error_page_is_retried(publication, graph):
    graph.script = ["html500"]
    send_now(publication)
    assert publication.status == "failed"
    assert "HTTP 502" in publication.last_error


def test_a_channel_without_an_access_token_is_permanent(publication, instagram, graph):
    instagram.set_credentials({})
    instagram.save()
    send_now(publication)
    assert publication.status == "dead"
    assert "no access token" in publication.last_error
    assert graph.calls == {}


def test_a_hang_before_the_platform_acted_is_unknown_then_sent_once(publication, graph):
    graph.script = ["hang"]
    send_now(publication)
    assert (publication.status, publication.outcome_unknown) == ("unknown", True)
    send_now(publication)
    assert publication.status == "sent"
    assert len(graph.replies_to("c1")) == 1
    assert graph.calls[("GET", "replies")] == 1  # it looked before sending again


def test_a_timeout_after_the_platform_accepted_is_reconciled_not_resent(publication, graph):
    graph.script = ["accept_then_hang"]
    send_now(publication)
    assert publication.status == "unknown"
    send_now(publication)
    [reply] = graph.replies_to("c1")
    assert publication.status == "sent"
    assert publication.external_reply_id == reply.id
    assert graph.calls[("POST", "replies")] == 1


def test_a_malformed_answer_is_reconciled_not_resent(publication, graph):
    graph.script = ["malformed"]
    send_now(publication)
    assert publication.status == "unknown"
    send_now(publication)
    assert publication.status == "sent"
    assert len(graph.replies_to("c1")) == 1


def test_a_crash_between_accept_and_record_does_not_send_twice(publication, graph, settings):
    # The worker claimed and sent; the platform created the reply; the worker died before recording.
    assert publication_claim(publication.id)
    publication.refresh_from_db()
    assert get_connector("meta").send(publication).kind == "sent"
    Publication.objects.filter(id=publication.id).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.STALE_CLAIM_SECONDS + 1)
    )
    assert publications_release_stale() == 1

    send_now(publication)
    [reply] = graph.replies_to("c1")
    assert publication.status == "sent"
    assert publication.external_reply_id == reply.id
    assert graph.calls[("POST", "replies")] == 1


def test_reconcile_ignores_the_same_text_posted_by_another_account(publication, graph):
    graph.add_reply("c1", publication.text, author_id="someone-else")
    graph.script = ["hang"]
    send_now(publication)
    send_now(publication)
    assert publication.status == "sent"
    assert [reply.author_id for reply in graph.replies_to("c1")] == ["someone-else", graph.page_id]


def test_reconcile_reads_every_page_of_replies(publication, graph):
    graph.page_size = 2
    for n in range(5):
        graph.add_reply("c1", f"fan reply {n}", author_id=f"fan{n}")
    graph.script = ["accept_then_hang"]
    send_now(publication)
    send_now(publication)
    assert publication.status == "sent"
    assert graph.calls[("POST", "replies")] == 1
    assert graph.calls[("GET", "replies")] == 3


def test_a_failed_lookup_never_sends_again(publication, graph):
    graph.script = ["hang"]
    send_now(publication)
    graph.list_script = ["500"]
    send_now(publication)
    assert publication.status == "failed"
    assert publication.outcome_unknown  # the next attempt looks again first
    assert "Could not check for an earlier reply" in publication.last_error
    assert graph.calls[("POST", "replies")] == 1


def test_reconciling_a_facebook_reply_asks_only_for_comment_fields_and_every_reply(creator, owner, facebook, graph):
    # A Facebook Comment has no `username` (Graph answers error 100, "nonexisting field"), and
    # Facebook's default filtering may leave our reply out unless filter=stream is asked for.
    graph.filter_new_replies = True
    graph.script = ["accept_then_hang"]
    publication = send_now(approve(creator, owner, "10150_c9", platform="facebook"))
    assert publication.status == "unknown"
    send_now(publication)
    [reply] = graph.replies_to("10150_c9")
    assert (publication.status, publication.external_reply_id) == ("sent", reply.id)
    assert graph.calls[("POST", "comments")] == 1


def test_the_fake_graph_refuses_a_field_the_node_does_not_have(graph):
    import httpx

    proof = graph._proof(TOKEN)
    answer = httpx.get(f"{graph.url}/v24.0/c1/comments", params={"fields": "id,message,username", "appsecret_proof": proof},
                       headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert "nonexisting field (username)" in answer.json()["error"]["message"]


def test_replies_use_the_graph_version_of_the_setting(publication, graph, settings):
    settings.META_GRAPH_VERSION = "v25.0"
    send_now(publication)
    assert dict(graph.versions) == {"v25.0": 1}


def test_a_channel_can_name_its_own_graph_version(publication, instagram, graph):
    instagram.set_credentials({**instagram.credentials, "graph_version": "v23.0"})
    instagram.save()
    publication.refresh_from_db()
    send_now(publication)
    assert dict(graph.versions) == {"v23.0": 1}
