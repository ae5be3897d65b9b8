"""Meta token expiry: known from connecting or /debug_token, shown on every page and emailed to the
owners TOKEN_WARN_DAYS before, instead of a 190 surprising everyone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from replyqueue.integrations.meta.tokens import (
    channel_token_check,
    channel_token_store,
    expiry_from_debug,
    meta_tokens_check,
)
from tests.pages import login
from tests.publishing.fake_platforms import FakeGraph, approve, connect_channel, send_now

TOKEN = "page-token"
APP_SECRET = "app-secret"


@pytest.fixture
def graph(settings):
    settings.PUBLISH_TIMEOUT = 0.5
    fake = FakeGraph(access_token=TOKEN, app_secret=APP_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def instagram(creator, graph, camera_faq):
    creator.undo_delay_seconds = 0
    creator.save()
    return connect_channel(
        creator, "instagram", "meta", graph.url, graph.page_id, name="mia.snaps",
        credentials={"access_token": TOKEN, "app_secret": APP_SECRET, "app_id": graph.app_id},
    )


def at(days: float) -> int:
    return int((timezone.now() + timedelta(days=days)).timestamp())


def test_the_expiry_is_the_earlier_of_the_token_and_its_data_access():
    assert expiry_from_debug({"expires_at": 1767225600, "data_access_expires_at": 1767000000}) == datetime.fromtimestamp(
        1767000000, UTC)
    assert expiry_from_debug({"expires_at": 0, "data_access_expires_at": 1767000000}).timestamp() == 1767000000
    assert expiry_from_debug({"expires_at": 0, "data_access_expires_at": 0}) is None  # a page token that never expires


def test_debug_token_stores_when_the_channel_token_stops_working(instagram, graph):
    graph.token_expires_at, graph.data_access_expires_at = 0, at(40)
    assert channel_token_check(instagram)
    instagram.refresh_from_db()
    assert abs(instagram.token_expires_at.timestamp() - at(40)) < 5
    assert instagram.token_checked_at is not None
    assert graph.calls[("GET", "debug_token")] == 1


def test_debug_token_works_with_the_token_itself_when_the_app_id_is_unknown(instagram, graph):
    instagram.set_credentials({"access_token": TOKEN, "app_secret": APP_SECRET})
    instagram.save()
    graph.token_expires_at = at(3)
    assert channel_token_check(instagram)
    assert abs(instagram.token_expires_at.timestamp() - at(3)) < 5


def test_an_invalid_token_counts_as_expired_now(instagram, graph):
    instagram.set_credentials({"access_token": "revoked", "app_secret": APP_SECRET, "app_id": graph.app_id})
    instagram.save()
    assert channel_token_check(instagram)
    assert instagram.token_expired


def test_an_unreachable_graph_leaves_the_known_expiry(instagram, graph):
    known = timezone.now() + timedelta(days=30)
    instagram.token_expires_at = known
    instagram.save()
    graph.stop()
    assert not channel_token_check(instagram)
    instagram.refresh_from_db()
    assert instagram.token_expires_at == known
    graph.start()


def test_connecting_stores_the_expiry_the_oauth_exchange_gave(instagram):
    instagram.token_warned_at = timezone.now()
    instagram.save()
    channel_token_store(instagram, "new-long-lived-token", expires_in=5_184_000)  # 60 days
    instagram.refresh_from_db()
    assert instagram.credentials["access_token"] == "new-long-lived-token"
    assert instagram.credentials["app_secret"] == APP_SECRET
    assert abs((instagram.token_expires_at - timezone.now()) - timedelta(days=60)) < timedelta(seconds=5)
    assert instagram.token_warned_at is None


def test_the_owners_are_emailed_once_seven_days_before(instagram, graph, owner, assistant):
    graph.token_expires_at, graph.data_access_expires_at = at(6), at(80)
    assert meta_tokens_check() == {"checked": 1, "warned": 1}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]  # owners only
    assert "Reconnect your Instagram channel" in mail.outbox[0].subject
    assert "mia.snaps" in mail.outbox[0].body
    assert meta_tokens_check() == {"checked": 0, "warned": 0}  # checked today, already warned
    assert len(mail.outbox) == 1


def test_a_token_far_from_expiry_sends_nothing(instagram, graph):
    graph.token_expires_at = at(30)
    assert meta_tokens_check() == {"checked": 1, "warned": 0}
    assert mail.outbox == []


def test_a_renewed_token_gets_its_own_warning_later(instagram, graph):
    graph.token_expires_at = at(5)
    meta_tokens_check()
    graph.token_expires_at = at(60)  # reconnected elsewhere: debug_token now says 60 days
    instagram.refresh_from_db()
    instagram.token_checked_at = timezone.now() - timedelta(days=2)
    instagram.save()
    meta_tokens_check()
    instagram.refresh_from_db()
    assert instagram.token_warned_at is None


def test_the_inbox_and_settings_show_a_notice_before_the_expiry(client, instagram, owner, graph):
    instagram.token_expires_at = timezone.now() + timedelta(days=5)
    instagram.save()
    login(client, owner)
    for url in ("/inbox/", "/settings/"):
        page = client.get(url).content.decode()
        assert 'id="channel-notices"' in page, url
        assert "must reconnect the channel before then" in page


def test_no_notice_for_a_token_far_from_expiry(client, instagram, owner):
    instagram.token_expires_at = timezone.now() + timedelta(days=30)
    instagram.save()
    login(client, owner)
    assert 'id="channel-notices"' not in client.get("/inbox/").content.decode()


def test_a_190_marks_the_token_expired_and_the_notice_says_so(client, creator, owner, instagram, graph):
    graph.script = ["token"]
    publication = send_now(approve(creator, owner, "c1", platform="instagram"))
    assert publication.status == "dead" and "reconnect" in publication.last_error
    instagram.refresh_from_db()
    assert instagram.token_expired
    login(client, owner)
    assert "replies through it fail until the owner reconnects" in client.get("/inbox/").content.decode()
