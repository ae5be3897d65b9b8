"""The YouTube quota left today (the shared per-project, per-Pacific-day QuotaLedger) on the
inbox's Review tab, in the tab body htmx swaps and in the live poll's out-of-band update."""

import pytest
from django.utils import timezone

from replyqueue.publishing.models import QuotaLedger
from replyqueue.publishing.quota import quota_day
from tests.pages import HTMX, login
from tests.publishing.fake_platforms import connect_channel


def youtube_channel(creator, project: str, external_id: str = "UCmia", **fields):
    return connect_channel(creator, "youtube", "youtube", "https://youtube.test", external_id,
                           credentials={"access_token": "t", "project": project}, **fields)


def spent(project: str, units: int) -> None:
    QuotaLedger.objects.update_or_create(project=project, day=quota_day(timezone.now()), defaults={"units_used": units})


@pytest.fixture
def quota(creator):
    youtube_channel(creator, "mia-project")
    spent("mia-project", 1200)


def test_the_review_tab_shows_the_quota_left(client, owner, quota):
    body = login(client, owner).get("/inbox/").content.decode()
    assert body.count('id="youtube-quota"') == 1  # in the tab body; the live poll's copy only comes with the poll
    assert "8800 units" in body and "about 176 replies" in body


def test_the_review_tab_body_swapped_in_by_htmx_shows_it_too(client, owner, quota):
    response = login(client, owner).get("/inbox/?tab=review", **HTMX, HTTP_HX_TARGET="tab-body")
    body = response.content.decode()
    assert body.lstrip().startswith("<section id=\"tab-body\"")  # the partial, not the page
    assert 'id="youtube-quota"' in body and "8800 units" in body


def test_the_live_poll_brings_the_quota_line_up_to_date(client, owner, quota):
    login(client, owner)
    spent("mia-project", 9950)  # replies went out since the page loaded
    body = client.get("/inbox/live/?tab=review", **HTMX).content.decode()
    assert 'id="youtube-quota"' in body and 'hx-swap-oob="true"' in body
    assert "50 units" in body and "about 1 replies" in body


def test_the_live_poll_on_a_tab_without_the_line_sends_none(client, owner, quota):
    body = login(client, owner).get("/inbox/live/?tab=sent", **HTMX).content.decode()
    assert "youtube-quota" not in body


def test_no_line_without_a_youtube_channel(client, owner, creator):
    connect_channel(creator, "instagram", "meta", "https://graph.test", "17841400000000000",
                    credentials={"access_token": "t"})
    body = login(client, owner).get("/inbox/").content.decode()
    assert "youtube-quota" not in body


def test_no_line_for_a_disabled_youtube_channel(client, owner, creator):
    youtube_channel(creator, "mia-project", enabled=False)
    assert "youtube-quota" not in login(client, owner).get("/inbox/").content.decode()


def test_another_creators_youtube_project_is_not_shown(client, owner, creator, other_creator):
    youtube_channel(other_creator, "rival-project", "UCrival")
    spent("rival-project", 3000)
    assert "youtube-quota" not in login(client, owner).get("/inbox/").content.decode()
    youtube_channel(creator, "mia-project")
    body = client.get("/inbox/").content.decode()
    assert "10000 units" in body and "7000 units" not in body


def test_one_line_per_project_named_and_escaped(client, owner, creator):
    youtube_channel(creator, "<b>main</b>", "UCmain")
    youtube_channel(creator, "second-project", "UCsecond")
    spent("second-project", 10_000)
    body = login(client, owner).get("/inbox/").content.decode()
    assert body.count('class="quota-line"') == 2
    assert "&lt;b&gt;main&lt;/b&gt;" in body and "<b>main</b>" not in body
    assert "second-project" in body and "0 units (about 0 replies)" in body


def test_a_project_google_said_is_exhausted_shows_none_left(client, owner, quota):
    from datetime import timedelta

    QuotaLedger.objects.update(exhausted_until=timezone.now() + timedelta(hours=3))
    body = login(client, owner).get("/inbox/").content.decode()
    assert "0 units (about 0 replies)" in body
