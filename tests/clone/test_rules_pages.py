import pytest

from replyqueue.clone.models import CommunityRule
from tests.factories import ingest
from tests.pages import HTMX, login


def rule(creator, name, position=0, kind="phrase", value="buy my course", action="no_reply", **extra):
    return CommunityRule.objects.create(creator=creator, name=name, position=position, kind=kind, value=value, action=action, **extra)


def form(**changes):
    return {"name": "No course spam", "kind": "phrase", "value": "buy my course\n  \ncheck my bio", "action": "no_reply", "label": "", "enabled": "on", "position": ""} | changes


def names(creator) -> list[str]:
    return list(CommunityRule.objects.filter(creator=creator).order_by("position", "id").values_list("name", flat=True))


def test_rules_are_listed_in_the_order_they_apply(client, owner, creator):
    rule(creator, "second", position=2)
    rule(creator, "first", position=1)
    body = login(client, owner).get("/settings/rules/").content.decode()
    assert body.index("first") < body.index("second")


def test_the_owner_adds_a_rule_and_it_goes_last(client, owner, creator):
    rule(creator, "existing", position=4)
    response = login(client, owner).post("/settings/rules/new/", form())
    assert response.status_code == 302
    added = CommunityRule.objects.get(name="No course spam")
    assert (added.position, added.value, added.enabled) == (5, "buy my course\ncheck my bio", True)


def test_an_invalid_pattern_is_refused_with_its_reason(client, owner, creator):
    response = login(client, owner).post("/settings/rules/new/", form(kind="pattern", value="([unclosed"))
    assert response.status_code == 400
    assert "Invalid pattern" in response.content.decode()
    assert not CommunityRule.objects.exists()


def test_a_label_only_rule_needs_a_label(client, owner, creator):
    response = login(client, owner).post("/settings/rules/new/", form(action="label"))
    assert response.status_code == 400
    assert not CommunityRule.objects.exists()


def test_the_owner_edits_a_rule(client, owner, creator):
    existing = rule(creator, "old")
    response = login(client, owner).post(f"/settings/rules/{existing.id}/", form(name="renamed", action="escalate", enabled="", position="3"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.name, existing.action, existing.enabled, existing.position) == ("renamed", "escalate", False, 3)


def test_moving_a_rule_up_swaps_it_with_the_one_above(client, owner, creator):
    rule(creator, "a", position=0)
    rule(creator, "b", position=0)
    c = rule(creator, "c", position=7)
    response = login(client, owner).post(f"/settings/rules/{c.id}/move/", {"direction": "up"}, **HTMX)
    assert names(creator) == ["a", "c", "b"]
    body = response.content.decode()
    assert body.startswith('<ol id="rules-list"') and body.index(">c<") < body.index(">b<")


def test_moving_the_last_rule_down_changes_nothing(client, owner, creator):
    rule(creator, "a", position=0)
    b = rule(creator, "b", position=1)
    login(client, owner).post(f"/settings/rules/{b.id}/move/", {"direction": "down"})
    assert names(creator) == ["a", "b"]


def test_the_owner_deletes_a_rule(client, owner, creator):
    existing = rule(creator, "gone")
    login(client, owner).post(f"/settings/rules/{existing.id}/delete/")
    assert not CommunityRule.objects.exists()


def test_testing_a_rule_shows_what_it_would_have_caught(client, owner, creator):
    for i, text in enumerate(["buy my course now", "love this video", "BUY MY COURSE!!"]):
        ingest(creator, f"c{i}", text)
    response = login(client, owner).post("/settings/rules/preview/", {"kind": "phrase", "value": "buy my course"}, **HTMX)
    body = response.content.decode()
    assert "would have caught <strong>2</strong> of 3 comments in the last 7 days" in body
    assert "buy my course now" in body and "love this video" not in body
    assert not CommunityRule.objects.exists()


def test_preview_examples_render_escaped(client, owner, creator):
    ingest(creator, "x", "<script>alert(1)</script> buy my course")
    body = login(client, owner).post("/settings/rules/preview/", {"kind": "phrase", "value": "buy my course"}, **HTMX).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_testing_an_invalid_rule_shows_why(client, owner, creator):
    body = login(client, owner).post("/settings/rules/preview/", {"kind": "pattern", "value": "(oops"}, **HTMX).content.decode()
    assert "Invalid pattern" in body


def test_the_preview_counts_only_this_creators_comments(client, outsider, creator):
    ingest(creator, "c1", "buy my course")
    body = login(client, outsider).post("/settings/rules/preview/", {"kind": "phrase", "value": "buy my course"}, **HTMX).content.decode()
    assert "of 0 comments" in body


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_other_members_see_rules_but_cannot_change_or_test_them(client, request, role, creator):
    existing = rule(creator, "keep")
    login(client, request.getfixturevalue(role))
    body = client.get("/settings/rules/").content.decode()
    assert "keep" in body and "/move/" not in body
    assert client.get("/settings/rules/new/").status_code == 403
    assert client.post("/settings/rules/new/", form()).status_code == 403
    assert client.post(f"/settings/rules/{existing.id}/", form(name="hijacked")).status_code == 403
    assert client.post(f"/settings/rules/{existing.id}/move/", {"direction": "up"}).status_code == 403
    assert client.post(f"/settings/rules/{existing.id}/delete/").status_code == 403
    assert client.post("/settings/rules/preview/", {"kind": "phrase", "value": "x"}).status_code == 403
    assert names(creator) == ["keep"]


def test_another_creators_rule_is_404(client, outsider, creator):
    existing = rule(creator, "mine")
    login(client, outsider)
    assert client.get(f"/settings/rules/{existing.id}/").status_code == 404
    assert client.post(f"/settings/rules/{existing.id}/", form(name="hijacked")).status_code == 404
    assert client.post(f"/settings/rules/{existing.id}/move/", {"direction": "up"}).status_code == 404
    assert client.post(f"/settings/rules/{existing.id}/delete/").status_code == 404
    assert "mine" not in client.get("/settings/rules/").content.decode()
    assert names(creator) == ["mine"]


def test_rule_text_renders_escaped(client, owner, creator):
    rule(creator, "<b>bold</b>", value="<script>alert(1)</script>")
    body = login(client, owner).get("/settings/rules/").content.decode()
    assert "<script>alert(1)</script>" not in body and "<b>bold</b>" not in body


def test_a_pattern_with_a_backreference_is_a_form_error(client, owner, creator):
    response = login(client, owner).post("/settings/rules/new/", form(kind="pattern", value=r"(\w)\1{5}"))
    assert response.status_code == 400
    assert "Invalid pattern" in response.content.decode()
    assert not CommunityRule.objects.exists()
