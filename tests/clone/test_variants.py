from django.http import HttpRequest

from replyqueue.clone.models import ContentBrief
from replyqueue.clone.variants import grounded_variants
from replyqueue.inbox.actions import Actor, brief_request, draft_approve, drafts_bulk_approve
from replyqueue.inbox.drafting import brief_draft
from replyqueue.inbox.models import Draft
from replyqueue.publishing.models import Publication

BRIEF = "Two weeks driving the Ring Road in Iceland, all on one camera. The wind at Reynisfjara nearly took my tripod."


def make(creator, kind="caption", variants=3):
    brief = ContentBrief.objects.create(creator=creator, kind=kind, brief=BRIEF, variants=variants)
    brief_draft(brief_id=brief.id)
    return brief


def test_a_brief_becomes_variants_in_the_review_queue(creator):
    brief = make(creator)
    drafts = list(Draft.objects.filter(brief=brief).order_by("rank"))
    assert len(drafts) == 3
    assert [d.rank for d in drafts] == [0, 1, 2]
    assert all(d.status == "pending" and d.comment is None for d in drafts)
    assert len({d.text for d in drafts}) == 3


def test_variants_only_use_the_creators_words(creator):
    for kind in ("caption", "title", "reply_template"):
        for draft in Draft.objects.filter(brief=make(creator, kind)):
            assert draft.flags == []


def test_titles_are_short(creator):
    persona = creator.persona
    brief = ContentBrief(creator=creator, kind="title", brief=BRIEF, variants=5)
    assert all(len(t) <= 71 for t in grounded_variants(brief, persona))


def test_approving_a_variant_publishes_nothing_and_supersedes_the_others(creator, owner):
    brief = make(creator)
    first, second, third = Draft.objects.filter(brief=brief).order_by("rank")
    assert draft_approve(draft=second, actor=Actor(role="owner", user=owner), text=second.text + " ✨") is None
    assert not Publication.objects.exists()
    assert set(Draft.objects.filter(brief=brief).values_list("status", flat=True)) == {"approved", "superseded"}


def test_assistants_cannot_bulk_approve_variants(creator, assistant):
    draft = Draft.objects.filter(brief=make(creator)).first()
    result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role="assistant", user=assistant), draft_ids=[draft.id])
    assert result.skipped == {draft.id: "content variant (the owner picks those)"}


def test_the_api_takes_a_brief_and_shows_its_variants(api, creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/briefs/", {"kind": "caption", "brief": BRIEF, "variants": 2}, format="json")
    assert response.status_code == 201
    body = api.get(f"/api/v1/briefs/{response.json()['id']}/").json()
    assert body["status"] == "drafted"
    assert len(body["drafts"]) == 2


def test_the_api_refuses_an_unknown_kind(api, creator):
    response = api.post("/api/v1/briefs/", {"kind": "poem", "brief": "x"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()["details"]


def test_a_brief_of_another_creator_is_404(other_api, creator):
    brief = make(creator)
    assert other_api.get(f"/api/v1/briefs/{brief.id}/").status_code == 404


def test_variants_show_in_the_inbox(client, owner, creator):
    from tests.conftest import PASSWORD

    make(creator)
    client.login(request=HttpRequest(), username=owner.username, password=PASSWORD)
    body = client.get("/inbox/").content.decode()
    assert "Caption variant" in body
    assert "Alternatives:" in body


def test_brief_create_drafts_after_commit(creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        brief = brief_request(creator=creator, actor=Actor(role="owner"), kind="title", text=BRIEF, variants=2)
    brief.refresh_from_db()
    assert brief.status == "drafted"
