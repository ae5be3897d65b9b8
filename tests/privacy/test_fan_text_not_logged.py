"""Fan text (comments, names) and draft text never reach the logs: logs leave the database's
access control and retention, so fan data must not be in them."""

import logging

from replyqueue.inbox.models import Draft

MARKER = "Quillfeather-5517"


def _records_with(caplog, marker: str) -> list[str]:
    found = []
    for record in caplog.records:
        text = " ".join(str(part) for part in (record.getMessage(), record.exc_text or "", record.__dict__))
        if marker in text:
            found.append(f"{record.name}: {record.getMessage()[:200]}")
    return found


def test_ingesting_and_drafting_a_comment_logs_no_fan_or_draft_text(
    api, creator, camera_faq, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    payload = {
        "platform": "youtube", "external_id": "c1", "text": f"What camera do you use? {MARKER}",
        "author": {"external_id": "fan-1", "name": f"Sam {MARKER}"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/comments/", payload, format="json")
    assert response.status_code in (200, 201), response.content
    draft = Draft.objects.get(comment__external_id="c1")
    assert draft.text  # drafted, so the drafting code paths ran
    assert caplog.records, "nothing was logged at all: the capture does not work"
    assert _records_with(caplog, MARKER) == []
    assert _records_with(caplog, draft.text) == []


def test_an_approval_through_the_api_logs_no_reply_text(api, creator, camera_faq, caplog, django_capture_on_commit_callbacks):
    from tests.factories import drafted

    draft = drafted(creator, "c1", f"What camera do you use? {MARKER}")
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"text": f"Sony {MARKER}"}, format="json")
    assert response.status_code == 200, response.content
    assert _records_with(caplog, MARKER) == []
