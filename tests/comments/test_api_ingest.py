import json

import pytest

from replyqueue.comments.models import Comment
from replyqueue.inbox.models import Draft
from tests.conftest import comment_payload

URL = "/api/v1/comments/"


def post(api, payload, **kwargs):
    return api.post(URL, payload, format="json", **kwargs)


def test_it_requires_a_token(client, db):
    response = client.post(URL, comment_payload(), content_type="application/json")
    assert response.status_code == 401
    assert "error" in response.json()


def test_it_refuses_a_revoked_token(api, creator):
    creator.api_tokens.update(revoked_at="2026-01-01T00:00:00Z")
    assert post(api, comment_payload()).status_code == 401


def test_it_stores_one_comment_and_drafts_it_after_commit(api, camera_faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, comment_payload())
    assert response.status_code == 201
    [result] = response.json()["results"]
    assert result["duplicate"] is False
    comment = Comment.objects.get(id=result["id"])
    assert comment.status == "drafted"
    assert Draft.objects.filter(comment=comment).count() == 1


def test_it_enqueues_nothing_before_the_transaction_commits(api, camera_faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(api, comment_payload())
    assert len(callbacks) == 1
    assert Draft.objects.count() == 0


def test_it_answers_a_resent_external_id_as_duplicate_with_the_same_id(api, camera_faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(api, comment_payload()).json()["results"][0]
    with django_capture_on_commit_callbacks(execute=True):
        second = post(api, comment_payload(text="edited text")).json()["results"][0]
    assert second == {**first, "duplicate": True, "status": "drafted"}
    assert Comment.objects.get().text == "What camera do you use?"
    assert Comment.objects.count() == 1
    assert Draft.objects.count() == 1


def test_it_stores_a_batch(api, creator):
    batch = {"comments": [comment_payload(f"c{i}") for i in range(500)]}
    response = post(api, batch)
    assert response.status_code == 201
    assert len(response.json()["results"]) == 500
    assert Comment.objects.filter(creator=creator).count() == 500


def test_it_refuses_a_batch_over_500(api):
    response = post(api, {"comments": [comment_payload(f"c{i}") for i in range(501)]})
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_it_refuses_an_invalid_batch_whole_with_errors_per_item(api):
    batch = {"comments": [comment_payload("ok"), comment_payload("bad", platform="myspace"), {"text": "x"}]}
    response = post(api, batch)
    assert response.status_code == 400
    body = response.json()
    assert set(body["details"]) == {"1", "2"}
    assert "platform" in body["details"]["1"]
    assert "external_id" in body["details"]["2"]
    assert Comment.objects.count() == 0


def test_it_marks_repeats_inside_one_batch_as_duplicates(api):
    response = post(api, {"comments": [comment_payload("same"), comment_payload("same")]})
    results = response.json()["results"]
    assert [r["duplicate"] for r in results] == [False, True]
    assert results[0]["id"] == results[1]["id"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({**comment_payload(), "platform": "myspace"}, "platform"),
        ({k: v for k, v in comment_payload().items() if k != "author"}, "author"),
        ({k: v for k, v in comment_payload().items() if k != "text"}, "text"),
        (comment_payload(text="x" * 200_000), "text"),
        (comment_payload(text="nul \x00 byte"), "text"),
    ],
)
def test_it_refuses_invalid_comments_with_a_clear_error(api, payload, field):
    response = post(api, payload)
    assert response.status_code == 400
    assert field in response.json()["details"]
    assert Comment.objects.count() == 0


def test_it_refuses_malformed_json(api):
    response = api.post(URL, data='{"platform": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["error"]


def test_it_refuses_invalid_utf8(api):
    response = api.post(URL, data=b'{"text": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]


def test_it_refuses_a_json_array_body(api):
    response = api.post(URL, data=json.dumps([comment_payload()]), content_type="application/json")
    assert response.status_code == 400


def test_it_refuses_an_oversized_body_with_413(api, settings):
    body = json.dumps({"comments": [comment_payload(f"c{i}", text="y" * 9000) for i in range(500)]})
    assert len(body) > settings.API_MAX_BODY_BYTES
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert Comment.objects.count() == 0


def test_it_keeps_each_creators_external_ids_apart(api, other_api):
    mine = post(api, comment_payload("shared")).json()["results"][0]
    theirs = post(other_api, comment_payload("shared")).json()["results"][0]
    assert theirs["duplicate"] is False
    assert theirs["id"] != mine["id"]


def test_comment_detail_shows_triage_and_drafts(api, camera_faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment_id = post(api, comment_payload()).json()["results"][0]["id"]
    body = api.get(f"{URL}{comment_id}/").json()
    assert body["status"] == "drafted"
    assert body["triage"]["category"] == "question"
    [draft] = body["drafts"]
    assert draft["sources"] == [camera_faq.id]
    assert "Sony A7 IV" in draft["text"]


def test_comment_detail_of_another_creator_is_404(api, other_api):
    comment_id = post(other_api, comment_payload()).json()["results"][0]["id"]
    response = api.get(f"{URL}{comment_id}/")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"comments": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"platform": "youtube", "external_id": "c1", "text": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}",
])
def test_deeply_nested_json_is_a_clear_400(api, body):
    response = api.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]
    assert not Comment.objects.exists()


def test_bidi_controls_are_stripped_from_fan_names(api, creator):
    from replyqueue.comments.models import Fan

    name = "\u202eSam\u202c \u2067Carter\u2069\u200f\u200e\u202a\u202b\u202d\u2066\u2068"
    assert post(api, comment_payload(author={"external_id": "fan-1", "name": name})).status_code == 201
    assert Fan.objects.get(external_id="fan-1").name == "Sam Carter"
