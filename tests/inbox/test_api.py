import pytest

from replyqueue.inbox.models import Decision
from replyqueue.publishing.models import Publication
from tests.factories import drafted


@pytest.fixture
def draft(creator, camera_faq):
    return drafted(creator)


def test_drafts_are_listed_by_status_with_a_cursor(api, creator, camera_faq):
    for i in range(3):
        drafted(creator, f"c{i}")
    page = api.get("/api/v1/drafts/?status=pending&page_size=2").json()
    assert len(page["results"]) == 2
    assert page["next"]
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 1
    assert rest["results"][0]["comment"]["text"] == "What camera do you use?"


def test_an_unknown_status_filter_is_a_clear_error(api, db):
    response = api.get("/api/v1/drafts/?status=bogus")
    assert response.status_code == 400
    assert "status" in response.json()["details"]


def test_approve_with_an_edit_queues_a_publication(api, draft):
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"text": "Sony!", "version": 1}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["draft"]["status"] == "approved"
    assert body["draft"]["text"] == "Sony!"
    assert body["publication"]["status"] == "queued"
    assert Decision.objects.get().action == "edit_approve"


def test_approve_with_a_stale_version_is_a_409_with_the_current_draft(api, draft):
    api.post(f"/api/v1/drafts/{draft.id}/reject/", {"reason": "no"}, format="json")
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["details"]["draft"]["status"] == "rejected"
    assert not Publication.objects.exists()


def test_approve_refuses_an_empty_text(api, draft):
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"text": "   "}, format="json")
    assert response.status_code == 400
    assert draft.__class__.objects.get(id=draft.id).status == "pending"


def test_another_creators_draft_is_404(other_api, draft):
    assert other_api.post(f"/api/v1/drafts/{draft.id}/approve/", {}, format="json").status_code == 404
    assert other_api.get("/api/v1/drafts/").json()["results"] == []


def test_pull_clients_ack_a_ready_publication(api, draft, creator):
    creator.undo_delay_seconds = 0
    creator.save()
    api.post(f"/api/v1/drafts/{draft.id}/approve/", {}, format="json")
    [publication] = api.get("/api/v1/publications/?status=queued").json()["results"]
    assert publication["connector"] == "pull"
    response = api.post(f"/api/v1/publications/{publication['id']}/ack/", {"external_id": "yt-reply-1"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    again = api.post(f"/api/v1/publications/{publication['id']}/ack/", {}, format="json")
    assert again.status_code == 409


def test_knowledge_can_be_added_listed_and_deleted(api, creator):
    response = api.post(
        "/api/v1/knowledge/",
        {"items": [{"kind": "faq", "question": "Q?", "answer": "A."}, {"kind": "post", "title": "T", "text": "Body."}]},
        format="json",
    )
    assert response.status_code == 201
    ids = [r["id"] for r in response.json()["results"]]
    assert len(api.get("/api/v1/knowledge/").json()["results"]) == 2
    assert api.delete(f"/api/v1/knowledge/{ids[0]}/").status_code == 204
    assert api.delete(f"/api/v1/knowledge/{ids[0]}/").status_code == 404


def test_invalid_knowledge_is_refused_whole(api, creator):
    response = api.post(
        "/api/v1/knowledge/", {"items": [{"kind": "faq", "question": "Q?", "answer": "A."}, {"kind": "faq", "question": "Q2"}]}, format="json"
    )
    assert response.status_code == 400
    assert "answer" in response.json()["details"]["1"]
    assert creator.knowledge.count() == 0


def test_the_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/comments/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_approve_with_the_same_text_padded_with_whitespace_is_not_an_edit(api, draft):
    from replyqueue.inbox.models import Draft

    Draft.objects.filter(id=draft.id).update(text=f"{draft.text}\n")
    response = api.post(f"/api/v1/drafts/{draft.id}/approve/", {"text": f"\n  {draft.text}  \n", "version": 1}, format="json")
    assert response.status_code == 200
    assert Decision.objects.get().action == "approve"
