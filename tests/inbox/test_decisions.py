"""Every decision a person takes goes through inbox/actions.py and leaves an audit row; the
defects the old split between apps caused stay fixed."""

import subprocess
import sys
from pathlib import Path

from replyqueue.clone.models import KnowledgeItem, Persona, TriageFeedback
from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, draft_approve, draft_undo
from replyqueue.inbox.models import Decision, DraftRequest
from replyqueue.inbox.tasks import sweep_drafting_once
from tests.factories import drafted
from tests.inbox.test_actions import HTMX, login, processed

ROOT = Path(__file__).resolve().parents[2]


def test_undo_forgets_what_the_edit_taught_and_moves_the_knowledge_version(creator, owner, camera_faq):
    draft = drafted(creator)
    draft_approve(draft=draft, actor=Actor(role="owner", user=owner), text="Sony A7 IV, and a 35mm prime for walks.")
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    version = Persona.objects.get(creator=creator).knowledge_version
    draft_undo(draft=draft, actor=Actor(role="owner", user=owner))
    assert not KnowledgeItem.objects.filter(id=learned.id).exists()
    assert Persona.objects.get(creator=creator).knowledge_version > version


def test_regenerate_on_a_content_variant_says_why_instead_of_failing(client, owner, creator):
    from replyqueue.clone.models import ContentBrief
    from replyqueue.inbox.models import Draft

    brief = ContentBrief.objects.create(creator=creator, kind="caption", brief="Ten days in Lisbon. Golden hour every night.")
    variant = Draft.objects.create(creator=creator, brief=brief, text="Ten days in Lisbon ✨", drafted_text="Ten days in Lisbon ✨")
    response = login(client, owner).post(f"/inbox/drafts/{variant.id}/regenerate/", {"instruction": "shorter"}, **HTMX)
    assert response.status_code == 200
    assert "Content variants cannot be regenerated" in response.content.decode()


def test_an_assistants_no_reply_count_leaves_out_what_they_cannot_see(client, creator, assistant, owner):
    hidden = processed(creator, "h1", "check out my channel free followers http://spam.example")
    Comment.objects.filter(id=hidden.id).update(owner_only=True)
    processed(creator, "s1", "check out my channel free followers http://spam.example now")
    assert Comment.objects.filter(creator=creator, status="no_reply").count() == 2
    seen_by_assistant = login(client, assistant).get("/inbox/live/", **HTMX).content.decode()
    seen_by_owner = login(client, owner).get("/inbox/live/", **HTMX).content.decode()
    assert 'data-tab="no_reply">' in seen_by_assistant
    assert _tab_count(seen_by_assistant, "no_reply") == "1"
    assert _tab_count(seen_by_owner, "no_reply") == "2"


def _tab_count(html: str, tab: str) -> str:
    import re

    match = re.search(rf'data-tab="{tab}">[^<]*<span class="count">(\d+)</span>', html)
    return match.group(1) if match else "0"


def test_the_triage_models_learn_from_training_data_only():
    from replyqueue.clone import triage_training

    assert triage_training.TRAINING_FILES == (
        "triage_train.jsonl", "triage_train_authored.jsonl", "triage_train_hard_negatives.jsonl", "triage_train_adult_spam.jsonl",
        "triage_train_orders.jsonl",
    )
    fresh = (ROOT / "datasets" / "triage_fresh.jsonl").read_text()
    assert fresh and not any("fresh" in name for name in triage_training.TRAINING_FILES)


def test_no_training_comment_is_an_evaluation_comment():
    import json

    from replyqueue.clone import triage_training
    from replyqueue.clone.triage_model import normalised

    def key(text: str) -> str:
        return " ".join(normalised(text).lower().split())

    evaluation = {
        key(json.loads(line)["text"])
        for name in ("triage_fresh.jsonl", "triage_fresh2.jsonl", "triage_fresh3.jsonl", "triage_fresh4.jsonl", "triage_struggles.jsonl",
                     "public/sms_spam.jsonl", "public/davidson_offensive.jsonl")
        for line in (ROOT / "datasets" / name).read_text().splitlines() if line.strip()
    }
    training = {key(row["text"]) for row in triage_training.load_training()}
    assert len(evaluation) > 3000 and len(training) > 2300
    assert not training & evaluation


def test_a_mark_is_recorded_with_who_and_the_category_before_and_after(client, owner, creator, camera_faq):
    comment = processed(creator, "m1", "What camera do you use?")
    login(client, owner).post(f"/inbox/comments/{comment.id}/mark/", {"category": "spam"}, **HTMX)
    decision = Decision.objects.get(comment=comment, action="mark")
    assert (decision.user, decision.before_text, decision.after_text) == (owner, "question", "spam")
    assert TriageFeedback.objects.get(comment=comment).category == "spam"


def test_draft_anyway_is_recorded_and_is_a_row_the_sweeper_can_find(client, owner, creator):
    comment = processed(creator, "d1", "check out my channel free followers http://spam.example")
    login(client, owner).post(f"/inbox/comments/{comment.id}/draft/", **HTMX)
    assert Decision.objects.get(comment=comment, action="draft_anyway").user == owner
    request = DraftRequest.objects.get(comment=comment)
    DraftRequest.objects.filter(id=request.id).update(enqueued_at=None)  # the broker lost the wake-up
    assert sweep_drafting_once()["draft_requests"] == 1


def test_answering_for_the_creator_is_recorded(client, owner, creator):
    comment = processed(creator, "a1", "Do you ship to Canada?")
    login(client, owner).post(f"/inbox/comments/{comment.id}/answer/", {"text": "Yes, everywhere."}, **HTMX)
    assert Decision.objects.get(comment=comment, action="answer").after_text == "Yes, everywhere."


def test_assigning_is_recorded(client, owner, creator, camera_faq):
    comment = processed(creator, "as1", "What camera do you use?")
    login(client, owner).post(f"/inbox/comments/{comment.id}/assign/", {"assignee": "me"}, **HTMX)
    assert Decision.objects.get(comment=comment, action="assign").after_text == owner.email


def test_an_assistant_cannot_retry_an_owner_only_publication(client, creator, owner, assistant, camera_faq):
    from replyqueue.publishing.models import Publication

    draft = drafted(creator)
    publication = draft_approve(draft=draft, actor=Actor(role="owner", user=owner))
    Publication.objects.filter(id=publication.id).update(status="dead")
    Comment.objects.filter(id=draft.comment_id).update(owner_only=True)
    response = login(client, assistant).post(f"/inbox/publications/{publication.id}/retry/", **HTMX)
    assert response.status_code == 404
    assert Publication.objects.get(id=publication.id).status == "dead"


def test_the_apps_import_each_other_in_one_direction_only():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wake_up_lost_after_a_dead_workers_claim_is_sent_again(creator, settings):
    """A worker dies holding a comment; the sweeper wakes another, and that message is lost too
    (a broker restart): the next sweep sends it again instead of waiting for the stale timeout."""
    from datetime import timedelta

    from django.utils import timezone

    from replyqueue.core.models import WorkerHeartbeat
    from replyqueue.inbox.tasks import comments_waiting
    from tests.factories import ingest

    settings.LOST_TASK_SECONDS, settings.WORKER_DEAD_SECONDS, settings.STALE_CLAIM_SECONDS = 3, 2, 300
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker="host:1", seen_at=now - timedelta(seconds=30), started_at=now - timedelta(hours=1))
    comment = ingest(creator, "lost")
    Comment.objects.filter(id=comment.id).update(
        claimed_at=now - timedelta(seconds=20), claimed_by="host:1", enqueued_at=now - timedelta(seconds=10)
    )
    assert comment.id in comments_waiting()
