"""/metrics: queue depths, latencies, failures and quota, read from the database at scrape time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Role
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.publishing.models import Publication, QuotaLedger
from replyqueue.publishing.quota import quota_day
from tests.factories import drafted, ingest

TOKEN = "metrics-test-token"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape() -> dict[tuple[str, tuple], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return scrape


def test_it_is_off_without_a_token_setting(client, settings, db):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_it_refuses_a_scrape_without_the_token(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_it_counts_comments_drafts_and_publications_by_state(scrape, creator, owner, camera_faq):
    ingest(creator, "waiting")
    draft = drafted(creator, "c1")
    drafted(creator, "c2")
    draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner))
    found = scrape()
    assert found[("replyqueue_comments", (("status", "received"),))] == 1
    assert found[("replyqueue_comments", (("status", "drafted"),))] == 2
    assert found[("replyqueue_drafts", (("status", "pending"),))] == 1
    assert found[("replyqueue_drafts", (("status", "approved"),))] == 1
    assert found[("replyqueue_publications", (("status", "queued"),))] == 1
    assert found[("replyqueue_publications", (("status", "dead"),))] == 0


def test_it_gives_the_drafting_latency_of_recent_drafts(scrape, creator, camera_faq):
    draft = drafted(creator, "c1")
    draft.comment.__class__.objects.filter(id=draft.comment_id).update(
        received_at=draft.created_at - timedelta(seconds=3)
    )
    found = scrape()
    assert found[("replyqueue_drafting_latency_seconds_gcount", ())] == 1
    assert found[("replyqueue_drafting_latency_seconds_bucket", (("le", "2.5"),))] == 0
    assert found[("replyqueue_drafting_latency_seconds_bucket", (("le", "5.0"),))] == 1
    assert found[("replyqueue_drafting_latency_seconds_gsum", ())] == pytest.approx(3.0)


def test_it_gives_the_delivery_latency_and_counts_dead_publications(scrape, creator, owner, camera_faq):
    first = draft_approve(draft=drafted(creator, "c1"), actor=Actor(role=Role.OWNER, user=owner))
    second = draft_approve(draft=drafted(creator, "c2"), actor=Actor(role=Role.OWNER, user=owner))
    now = timezone.now()
    Publication.objects.filter(id=first.id).update(status="sent", due_at=now - timedelta(seconds=0.2), sent_at=now)
    Publication.objects.filter(id=second.id).update(status="dead")
    found = scrape()
    assert found[("replyqueue_delivery_latency_seconds_gcount", ())] == 1
    assert found[("replyqueue_delivery_latency_seconds_bucket", (("le", "0.25"),))] == 1
    assert found[("replyqueue_failures", (("kind", "publication_dead"),))] == 1


def test_it_gives_the_youtube_quota_left_per_project(scrape, settings, db):
    settings.YOUTUBE_DAILY_QUOTA = 10_000
    QuotaLedger.objects.create(project="proj-a", day=quota_day(timezone.now()), units_used=2_550)
    found = scrape()
    assert found[("replyqueue_youtube_quota_units_left", (("project", "proj-a"),))] == 7_450
    assert found[("replyqueue_youtube_quota_units_left", (("project", settings.YOUTUBE_PROJECT),))] == 10_000
