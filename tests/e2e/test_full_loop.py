"""The whole loop on real parts: PostgreSQL, Redis, a real Celery worker, a loopback receiver."""

import time

import pytest

from replyqueue.comments.models import Comment
from replyqueue.inbox.models import Decision, Draft
from replyqueue.inbox.tasks import process_comment
from replyqueue.publishing.models import Publication
from replyqueue.publishing.tasks import publish
from tests.conftest import comment_payload, webhook_receiver_for
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.services


@pytest.fixture
def receiver(creator):
    with webhook_receiver_for(creator) as state:
        yield state


def test_a_comment_is_drafted_approved_with_an_edit_and_delivered_once(celery_worker_process, api, receiver):
    faq = {"kind": "faq", "question": "What camera do you use?", "answer": "I shoot everything on the Sony A7 IV."}
    assert api.post("/api/v1/knowledge/", faq, format="json").status_code == 201

    response = api.post("/api/v1/comments/", comment_payload(text="wat camera do u use for ur vids??"), format="json")
    comment_id = response.json()["results"][0]["id"]

    draft = wait_for(lambda: Draft.objects.filter(comment_id=comment_id).first(), what="the worker's draft")
    assert "Sony A7 IV" in draft.text
    assert draft.sources and draft.confidence > 0.5
    assert Comment.objects.get(id=comment_id).status == "drafted"

    edited = "Sony A7 IV all the way, Sam! — Mia"
    approval = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"text": edited, "version": draft.version}, format="json")
    assert approval.status_code == 200, approval.content

    wait_for(lambda: receiver.unique_deliveries == 1, what="the signed delivery")
    [(message_id, payload)] = receiver.payloads.items()
    assert payload["data"]["reply"]["text"].startswith(edited)
    assert payload["data"]["comment"]["external_id"] == "c1"
    publication = wait_for(lambda: Publication.objects.filter(status="sent").first(), what="sent status")
    assert publication.idempotency_key == message_id

    # Running the tasks again (a redelivered message) changes nothing.
    process_comment.delay(comment_id)
    publish.delay(publication.id)
    time.sleep(3)
    assert Draft.objects.filter(comment_id=comment_id).count() == 1
    assert receiver.deliveries[message_id] == 1
    assert receiver.rejected == 0
    decision = Decision.objects.get(draft=draft)
    assert (decision.action, decision.before_text, decision.after_text) == ("edit_approve", draft.text, edited)


def test_a_failing_receiver_is_retried_with_the_same_webhook_id(celery_worker_process, api, receiver, creator, settings):
    receiver.script = ["500", "429"]
    api.post("/api/v1/knowledge/", {"kind": "faq", "question": "What camera?", "answer": "The Sony A7 IV."}, format="json")
    comment_id = api.post("/api/v1/comments/", comment_payload(text="what camera?"), format="json").json()["results"][0]["id"]
    draft = wait_for(lambda: Draft.objects.filter(comment_id=comment_id).first(), what="the draft")
    api.post(f"/api/v1/drafts/{draft.id}/approve/", {}, format="json")

    publication = wait_for(
        lambda: Publication.objects.filter(status="sent").first(), timeout=40, what="delivery after retries"
    )
    assert publication.attempts == 3
    assert receiver.deliveries[publication.idempotency_key] == 1
