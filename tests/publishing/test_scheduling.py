"""Scheduled replies: due at the later of the undo window's end and send_at."""

from datetime import timedelta

import pytest
from django.utils import timezone

from replyqueue.inbox.actions import Actor, Conflict, draft_approve, draft_undo
from replyqueue.inbox.models import Draft
from replyqueue.publishing.claiming import publication_claim
from replyqueue.publishing.models import Publication
from replyqueue.publishing.tasks import sweep_once
from tests.conftest import webhook_receiver_for
from tests.factories import drafted


@pytest.fixture
def receiver(creator, camera_faq):
    with webhook_receiver_for(creator, undo_delay_seconds=30) as state:
        yield state


@pytest.fixture
def draft(creator, receiver):
    return drafted(creator)


def approve(draft, owner, **kwargs) -> Publication:
    return draft_approve(draft=draft, actor=Actor(role="owner", user=owner), **kwargs)


def make_due(publication: Publication) -> None:
    past = timezone.now() - timedelta(seconds=1)
    Publication.objects.filter(id=publication.id).update(due_at=past, next_attempt_at=past)


def test_without_a_schedule_it_is_due_when_the_undo_window_ends(draft, owner):
    before = timezone.now()
    publication = approve(draft, owner)
    assert before + timedelta(seconds=30) <= publication.due_at <= timezone.now() + timedelta(seconds=30)


def test_a_send_at_after_the_undo_window_sets_the_due_time(draft, owner):
    send_at = timezone.now() + timedelta(hours=3)
    assert approve(draft, owner, send_at=send_at).due_at == send_at


def test_a_send_at_inside_the_undo_window_still_waits_for_the_window(draft, owner):
    send_at = timezone.now() + timedelta(seconds=5)
    publication = approve(draft, owner, send_at=send_at)
    assert publication.due_at >= send_at + timedelta(seconds=24)


def test_a_scheduled_reply_is_not_enqueued_at_commit(draft, owner, creator, django_capture_on_commit_callbacks):
    creator.undo_delay_seconds = 0
    creator.save()
    with django_capture_on_commit_callbacks() as callbacks:
        approve(draft, owner, send_at=timezone.now() + timedelta(minutes=10))
    assert callbacks == []


def test_a_scheduled_reply_is_not_sent_before_its_time(draft, owner, receiver):
    publication = approve(draft, owner, send_at=timezone.now() + timedelta(hours=1))
    sweep_once()
    publication.refresh_from_db()
    assert publication.status == "queued"
    assert receiver.unique_deliveries == 0


def test_the_sweeper_sends_a_scheduled_reply_once_its_time_has_come(draft, owner, receiver):
    publication = approve(draft, owner, send_at=timezone.now() + timedelta(hours=1))
    make_due(publication)
    sweep_once()
    publication.refresh_from_db()
    assert publication.status == "sent"
    assert receiver.deliveries[publication.idempotency_key] == 1


def test_a_scheduled_reply_can_be_undone_before_its_time(draft, owner):
    publication = approve(draft, owner, send_at=timezone.now() + timedelta(hours=1))
    draft.refresh_from_db()
    draft_undo(draft=draft, actor=Actor(role="owner", user=owner))
    publication.refresh_from_db()
    assert publication.status == "cancelled"
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_undo_fails_once_sending_started(draft, owner):
    publication = approve(draft, owner)
    make_due(publication)
    assert publication_claim(publication.id)
    Publication.objects.filter(id=publication.id).update(due_at=timezone.now() + timedelta(seconds=30))
    draft.refresh_from_db()
    with pytest.raises(Conflict):
        draft_undo(draft=draft, actor=Actor(role="owner", user=owner))
    publication.refresh_from_db()
    assert publication.status == "sending"


def test_the_approve_api_schedules_a_reply(api, draft):
    send_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"send_at": send_at.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert Publication.objects.get(draft=draft).due_at == send_at


def test_the_approve_api_refuses_a_send_at_in_the_past(api, draft):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"send_at": past}, format="json")
    assert response.status_code == 400
    assert "future" in str(response.json()["details"]["send_at"])
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_the_approve_api_refuses_a_send_at_more_than_30_days_ahead(api, draft):
    later = (timezone.now() + timedelta(days=31)).isoformat()
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"send_at": later}, format="json")
    assert response.status_code == 400
    assert "30 days" in str(response.json()["details"]["send_at"])
    assert not Publication.objects.exists()


def test_the_approve_api_refuses_a_send_at_that_is_not_a_datetime(api, draft):
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"send_at": "tomorrow-ish"}, format="json")
    assert response.status_code == 400
    assert "send_at" in response.json()["details"]
