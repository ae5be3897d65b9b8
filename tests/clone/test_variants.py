import json

import pytest
from django.http import HttpRequest

from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.models import ContentBrief
from replyqueue.inbox.actions import Actor, brief_request, draft_approve, drafts_bulk_approve
from replyqueue.inbox.drafting import brief_draft
from replyqueue.inbox.models import Draft
from replyqueue.publishing.models import Publication
from tests.pages import HTMX, login

BRIEF = "Two weeks driving the Ring Road in Iceland, all on one camera. The wind at Reynisfjara nearly took my tripod."


@pytest.fixture(autouse=True)
def llm(settings):
    """Variants are new writing: they come from the language model (a loopback fake of the Chat
    Completions protocol). The offline drafter's abstention has its own test below."""
    from tests.clone.fake_openai import FakeOpenAI

    fake = FakeOpenAI().start()
    settings.DRAFTER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "openai", fake.base_url, "sk-test"
    settings.OPENAI_MODEL, settings.OPENAI_TIMEOUT = "test-model", 2.0
    yield fake
    fake.stop()


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


def test_offline_the_clone_abstains_with_the_reason_instead_of_echoing_the_brief(creator, settings):
    settings.DRAFTER = "grounded"
    brief = make(creator)
    brief.refresh_from_db()
    assert brief.status == "failed"
    assert brief.reason.startswith("Needs a language model")
    assert not Draft.objects.filter(brief=brief).exists()


def test_the_model_gets_the_creators_closest_past_posts_as_examples(creator, llm):
    knowledge_add(creator=creator, items=[
        KnowledgeInput("post", "Ring Road, day 3", "Black sand, no wind for once 📸"),
        KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV."),
    ])
    drafts = Draft.objects.filter(brief=make(creator))
    sent = json.loads(llm.requests[-1]["body"]["messages"][-1]["content"])
    assert sent["EXAMPLES"] == ["Ring Road, day 3\nBlack sand, no wind for once 📸"]
    assert all("📸" in d.text for d in drafts)  # the style of the example, the facts of the brief


def test_a_variant_that_only_repeats_the_brief_is_dropped(creator, llm):
    short = ContentBrief.objects.create(creator=creator, kind="title", brief="Iceland in winter", variants=1)
    brief_draft(brief_id=short.id)
    assert all(d.text.strip() != "Iceland in winter" for d in Draft.objects.filter(brief=short))


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


def test_the_inbox_shows_a_brief_being_written_then_its_variants_in_the_queue(client, owner, creator):
    login(client, owner)
    body = client.post("/inbox/briefs/", {"kind": "caption", "brief": BRIEF, "variants": 3}, **HTMX).content.decode()
    assert "writing variants…" in body and 'hx-trigger="every 2s"' in body  # polled until written
    brief_draft(brief_id=ContentBrief.objects.get(creator=creator).id)
    body = client.get("/inbox/briefs/recent/").content.decode()
    assert "3 variants in the review queue" in body
    assert "every 2s" not in body


def test_offline_the_inbox_says_why_a_brief_has_no_variants_in_the_readers_language(client, owner, creator, settings):
    settings.DRAFTER = "grounded"
    owner.language = "fr"
    owner.save(update_fields=["language"])
    make(creator)
    body = login(client, owner).get("/inbox/").content.decode()
    assert "Il faut un modèle de langue" in body
    assert "Needs a language model" not in body


def test_a_brief_the_model_keeps_failing_ends_failed_with_the_error_not_written_forever(client, owner, creator, llm):
    from replyqueue.celery import app as celery_app
    from replyqueue.inbox.tasks import draft_brief

    llm.script = ["500"] * 10
    brief = ContentBrief.objects.create(creator=creator, kind="caption", brief=BRIEF)
    celery_app.conf.task_eager_propagates = False  # eager retries run inline until they give up
    try:
        draft_brief.apply(args=[brief.id], throw=False)
    finally:
        celery_app.conf.task_eager_propagates = True
    brief.refresh_from_db()
    assert brief.status == "failed" and brief.reason.startswith("Drafting failed:")
    body = login(client, owner).get("/inbox/briefs/recent/").content.decode()
    assert "Drafting failed:" in body and "every 2s" not in body


def test_a_brief_drafting_that_dies_midway_still_counts_its_attempt(creator, monkeypatch):
    from replyqueue.inbox import drafting

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(drafting, "brief_variants", killed)
    brief = ContentBrief.objects.create(creator=creator, kind="caption", brief=BRIEF)
    with pytest.raises(SystemExit):
        brief_draft(brief_id=brief.id)
    brief.refresh_from_db()
    assert (brief.status, brief.attempts) == ("received", 1)


def test_the_sweeper_ends_a_brief_that_crashed_every_worker_instead_of_enqueuing_it_forever(client, owner, creator):
    from replyqueue.inbox.drafting import MAX_REQUEST_ATTEMPTS
    from replyqueue.inbox.tasks import sweep_drafting_once

    crashed = ContentBrief.objects.create(creator=creator, kind="caption", brief=BRIEF, attempts=MAX_REQUEST_ATTEMPTS + 1)
    lost = ContentBrief.objects.create(creator=creator, kind="title", brief=BRIEF, attempts=1)
    assert sweep_drafting_once()["briefs"] == 1  # the lost one is enqueued again, the crashed one is not
    crashed.refresh_from_db()
    lost.refresh_from_db()
    assert crashed.status == "failed" and crashed.reason == f"Drafting failed: drafting crashed {MAX_REQUEST_ATTEMPTS + 1} times"
    assert lost.status == "drafted"
    assert "drafting crashed" in login(client, owner).get("/inbox/briefs/recent/").content.decode()


def test_a_brief_that_crashed_every_worker_says_so_in_the_readers_language(client, owner, creator):
    from replyqueue.inbox.drafting import MAX_REQUEST_ATTEMPTS
    from replyqueue.inbox.tasks import sweep_drafting_once

    ContentBrief.objects.create(creator=creator, kind="caption", brief=BRIEF, attempts=MAX_REQUEST_ATTEMPTS + 1)
    sweep_drafting_once()
    owner.language = "fr"
    owner.save(update_fields=["language"])
    body = login(client, owner).get("/inbox/briefs/recent/").content.decode()
    assert f"Échec de la rédaction\u00a0: la rédaction a planté {MAX_REQUEST_ATTEMPTS + 1} fois" in body
    assert "Drafting failed" not in body
