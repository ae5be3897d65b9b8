from replyqueue.clone.models import CommunityRule
from replyqueue.inbox.drafting import comment_process
from tests.factories import ingest

RULE = {"name": "No course spam", "kind": "phrase", "value": "buy my course", "action": "no_reply"}


def create(api, **changes):
    return api.post("/api/v1/rules/", RULE | changes, format="json")


def test_it_creates_a_rule_last_in_order(api, creator):
    CommunityRule.objects.create(creator=creator, name="first", kind="link", action="escalate", position=3)
    response = create(api)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["position"], body["enabled"], body["label"]) == ("No course spam", 4, True, "")


def test_it_lists_rules_in_the_order_they_apply(api, creator):
    create(api, name="b", position=2)
    create(api, name="a", position=1)
    assert [r["name"] for r in api.get("/api/v1/rules/").json()["results"]] == ["a", "b"]


def test_a_value_may_be_a_list_of_lines(api):
    response = create(api, value=["buy my course", " check my bio ", ""])
    assert response.json()["value"] == "buy my course\ncheck my bio"


def test_an_invalid_pattern_is_refused_as_json(api):
    response = create(api, kind="pattern", value="([unclosed")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid pattern")
    assert "value" in response.json()["details"]
    assert not CommunityRule.objects.exists()


def test_an_unknown_kind_is_refused(api):
    response = create(api, kind="vibes")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid rule."
    assert "kind" in response.json()["details"]


def test_patch_changes_only_the_fields_given(api):
    rule_id = create(api).json()["id"]
    response = api.patch(f"/api/v1/rules/{rule_id}/", {"enabled": False}, format="json")
    assert response.status_code == 200
    rule = CommunityRule.objects.get(id=rule_id)
    assert (rule.enabled, rule.value, rule.action) == (False, "buy my course", "no_reply")


def test_a_patch_that_would_break_the_rule_is_refused(api):
    rule_id = create(api).json()["id"]
    response = api.patch(f"/api/v1/rules/{rule_id}/", {"kind": "pattern", "value": "(oops"}, format="json")
    assert response.status_code == 400
    assert CommunityRule.objects.get(id=rule_id).kind == "phrase"


def test_delete_removes_the_rule(api):
    rule_id = create(api).json()["id"]
    assert api.delete(f"/api/v1/rules/{rule_id}/").status_code == 204
    assert not CommunityRule.objects.exists()


def test_another_creators_rule_is_404(api, other_api):
    rule_id = create(api).json()["id"]
    for response in (
        other_api.get(f"/api/v1/rules/{rule_id}/"),
        other_api.patch(f"/api/v1/rules/{rule_id}/", {"enabled": False}, format="json"),
        other_api.delete(f"/api/v1/rules/{rule_id}/"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "Not found."}
    assert CommunityRule.objects.get(id=rule_id).enabled is True


def test_the_list_shows_only_the_tokens_creator(api, other_api):
    create(api)
    assert other_api.get("/api/v1/rules/").json() == {"results": []}


def test_a_token_is_required(client, db):
    response = client.get("/api/v1/rules/")
    assert response.status_code == 401
    assert "error" in response.json()


def test_a_rule_made_over_the_api_applies_to_new_comments(api, creator):
    create(api)
    comment = ingest(creator, "c1", "Buy my course, link in bio")
    comment_process(comment_id=comment.id)
    comment.refresh_from_db()
    assert comment.status == "no_reply"
    assert "No course spam" in comment.reason


def test_preview_counts_recent_comments_it_would_catch(api, creator):
    for i, text in enumerate(["buy my course", "love it", "BUY MY COURSE now"]):
        ingest(creator, f"p{i}", text)
    response = api.post("/api/v1/rules/preview/", {"kind": "phrase", "value": "buy my course"}, format="json")
    assert response.status_code == 200
    body = response.json() | {"examples": None, "near_misses": None}
    assert body == {"caught": 2, "checked": 3, "days": 7, "examples": None, "near_misses": None}
    assert len(response.json()["examples"]) == 2
    assert not CommunityRule.objects.exists()


def test_preview_never_looks_at_another_creators_comments(api, other_api, creator):
    ingest(creator, "p1", "buy my course")
    response = other_api.post("/api/v1/rules/preview/", {"kind": "phrase", "value": "buy my course"}, format="json")
    assert (response.json()["caught"], response.json()["checked"]) == (0, 0)


def test_preview_refuses_an_invalid_pattern(api):
    response = api.post("/api/v1/rules/preview/", {"kind": "pattern", "value": "(oops"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid pattern")


def test_a_pattern_the_linear_engine_cannot_run_is_refused_as_json(api):
    response = create(api, kind="pattern", value="(?=.*buy)course")
    assert response.status_code == 400
    body = response.json()
    assert body["error"].startswith("Invalid pattern") and "(?=" in body["error"]
    assert "value" in body["details"]
    assert not CommunityRule.objects.exists()


def test_an_overlong_pattern_is_refused_as_json(api):
    response = create(api, kind="pattern", value="a" * 301)
    assert response.status_code == 400
    assert "limited to 300 characters" in response.json()["error"]
