"""What reviewers do to cards besides approve/reject: bulk, regenerate, answer, mark, assign."""

import pytest
from django.http import HttpRequest

from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.models import KnowledgeItem, TriageFeedback
from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, NeedsConfirmation, draft_approve, drafts_bulk_approve
from replyqueue.inbox.models import Decision, Draft, DraftRequest
from replyqueue.inbox.policy import routine_refusal
from replyqueue.publishing.models import Publication
from tests.conftest import PASSWORD
from tests.factories import drafted, ingest, processed

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_an_assistant_bulk_approves_routine_drafts_and_is_told_what_was_skipped(creator, assistant, camera_faq):
    routine = drafted(creator, "r1")
    flagged = drafted(creator, "r2")
    Draft.objects.filter(id=flagged.id).update(flags=[{"kind": "price", "start": 0, "end": 3, "text": "$99"}])
    unsure = drafted(creator, "r3")
    Draft.objects.filter(id=unsure.id).update(confidence=0.2, approval_chance=0.2)
    actor = Actor(role="assistant", user=assistant)
    result = drafts_bulk_approve(creator_id=creator.id, actor=actor, draft_ids=[routine.id, flagged.id, unsure.id, 999999])
    assert result.approved == [routine.id]
    assert result.skipped == {
        flagged.id: "facts guard flagged the draft",
        unsure.id: "20% chance of approval as is (routine needs 95%)",
        999999: "not found",
    }
    assert Publication.objects.count() == 1


def test_the_owner_bulk_approves_everything_pending(creator, owner, camera_faq):
    drafts = [drafted(creator, f"o{i}") for i in range(3)]
    Draft.objects.filter(id=drafts[0].id).update(confidence=0.1)
    result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role="owner", user=owner), draft_ids=[d.id for d in drafts])
    assert sorted(result.approved) == sorted(d.id for d in drafts)


def test_bulk_approve_all_matching_the_filter(client, owner, creator, camera_faq):
    for i in range(4):
        drafted(creator, f"m{i}", platform="instagram" if i < 3 else "youtube")
    response = login(client, owner).post("/inbox/bulk-approve/", {"all_matching": "1", "platform": "instagram"}, **HTMX)
    body = response.content.decode()
    assert "3 drafts match these filters" in body and Draft.objects.filter(status="approved").count() == 0
    upto = max(Draft.objects.filter(comment__platform="instagram").values_list("id", flat=True))
    drafted(creator, "m-late", platform="instagram")  # arrives after the count was shown: not confirmed
    confirm = {"all_matching": "1", "platform": "instagram", "confirm": "1", "upto": str(upto)}
    response = client.post("/inbox/bulk-approve/", confirm, **HTMX)
    assert "3 approved." in response.content.decode()
    assert Draft.objects.filter(status="pending").count() == 2


def test_one_approval_policy_when_the_fan_wrote_again(client, owner, creator, api, camera_faq):
    """Single approval, bulk approval and the API all stop at a thread the fan wrote in since."""
    stale, fresh, stale_api = drafted(creator, "s1"), drafted(creator, "s2"), drafted(creator, "s3")
    ingest(creator, "s1-again", "hello?", author={"external_id": "fan-s1", "name": "Sam"})
    ingest(creator, "s3-again", "hello?", author={"external_id": "fan-s3", "name": "Sam"})
    actor = Actor(role="owner", user=owner)
    result = drafts_bulk_approve(creator_id=creator.id, actor=actor, draft_ids=[stale.id, fresh.id])
    assert result.approved == [fresh.id]
    assert "wrote again" in result.skipped[stale.id]
    with pytest.raises(NeedsConfirmation):
        draft_approve(draft=Draft.objects.get(id=stale.id), actor=actor)
    response = api.post(f"/api/v1/drafts/{stale_api.id}/approve/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert "wrote again" in response.json()["error"] and "confirm: true" in response.json()["error"]
    assert Draft.objects.get(id=stale_api.id).status == "pending"
    response = api.post(f"/api/v1/drafts/{stale_api.id}/approve/", {"version": 1, "confirm": True}, format="json")
    assert response.status_code == 200 and Draft.objects.get(id=stale_api.id).status == "approved"
    draft_approve(draft=Draft.objects.get(id=stale.id), actor=actor, confirm=True)
    assert Draft.objects.get(id=stale.id).status == "approved"


def test_viewers_cannot_bulk_approve(client, viewer, creator, camera_faq):
    draft = drafted(creator)
    response = login(client, viewer).post("/inbox/bulk-approve/", {"draft": [draft.id]}, **HTMX)
    assert response.status_code == 403


def test_regenerate_with_an_instruction_supersedes_the_old_draft(client, owner, creator, django_capture_on_commit_callbacks):
    knowledge_add(
        creator=creator,
        items=[KnowledgeInput("faq", "What camera do you use?", "I shoot on the Sony A7 IV. It has a great sensor. I love it.")],
    )
    draft = drafted(creator)
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": "shorter"}, **HTMX)
    new = Draft.objects.get(status="pending")
    assert new.generation == 2 and new.instruction == "shorter"
    assert len(new.text) < len(draft.text)
    assert Draft.objects.get(id=draft.id).status == "superseded"
    assert Decision.objects.get(draft=draft).action == "regenerate"
    assert Decision.objects.get(draft=draft).user == owner


def test_regenerate_offers_alternatives_resting_on_different_knowledge(client, owner, creator, django_capture_on_commit_callbacks):
    knowledge_add(
        creator=creator,
        items=[
            KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV."),
            KnowledgeInput("reply", "which camera do you use for video", "Mostly the Sony A7 IV, sometimes a ZV-1."),
        ],
    )
    draft = drafted(creator)
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/drafts/{draft.id}/regenerate/", {"alternatives": "2"}, **HTMX)
    pending = list(Draft.objects.filter(status="pending").order_by("rank"))
    assert [d.rank for d in pending] == [0, 1]
    assert pending[0].sources != pending[1].sources
    body = client.get("/inbox/").content.decode()
    assert "Alternatives:" in body


def test_approving_one_alternative_supersedes_the_others(creator, owner):
    from replyqueue.inbox.actions import draft_approve
    from tests.factories import redraft as comment_redraft

    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV."),
        KnowledgeInput("reply", "which camera do you use for video", "Mostly the Sony A7 IV, sometimes a ZV-1."),
    ])
    comment = ingest(creator)
    comment_redraft(comment_id=comment.id, alternatives=2)
    first, second = Draft.objects.filter(comment=comment).order_by("rank")
    draft_approve(draft=second, actor=Actor(role="owner", user=owner))
    assert Draft.objects.get(id=first.id).status == "superseded"


def test_the_creators_answer_becomes_knowledge_and_a_draft_to_approve(client, owner, creator):
    # (was "Will you come to Tokyo for a meetup?": the trained safety head calls that a threat, a
    # known false alarm kept as an xfail in tests/clone/test_triage.py)
    comment = processed(creator, "tokyo", "Is there a Tokyo meetup planned?")
    assert comment.status == "needs_human"
    login(client, owner).post(f"/inbox/comments/{comment.id}/answer/", {"text": "No Tokyo meetup planned yet, sorry!"}, **HTMX)
    draft = Draft.objects.get(comment=comment)
    assert (draft.status, draft.drafter, draft.text) == ("pending", "creator", "No Tokyo meetup planned yet, sorry!")
    assert KnowledgeItem.objects.get(id=draft.sources[0]).origin == "creator_answer"
    again = processed(creator, "tokyo2", "is there a tokyo meetup planned??")
    assert again.status == "drafted"
    assert "No Tokyo meetup planned yet" in Draft.objects.get(comment=again).text


def test_marking_spam_trains_the_creator_and_stops_the_draft(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", "What camera do you use? 🔥🔥 follow me")
    login(client, owner).post(f"/inbox/comments/{draft.comment_id}/mark/", {"category": "spam"}, **HTMX)
    comment = Comment.objects.get(id=draft.comment_id)
    assert (comment.status, comment.category) == ("no_reply", "spam")
    assert Draft.objects.get(id=draft.id).status == "superseded"
    assert TriageFeedback.objects.get(comment=comment).category == "spam"
    copy = processed(creator, "s2", "what camera do you use?? follow me")
    assert copy.category == "spam"


def test_not_spam_gets_the_comment_drafted(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    comment = processed(creator, "ns", "What camera do you use? check out my channel for free crypto!! free followers http://spam.example")
    assert comment.status == "no_reply"
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/comments/{comment.id}/mark/", {"category": "question"}, **HTMX)
    comment.refresh_from_db()
    assert comment.status == "drafted"


def test_draft_anyway_drafts_a_comment_triage_set_aside(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    comment = processed(creator, "da", "What camera do you use? check out my channel")
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/comments/{comment.id}/draft/", **HTMX)
    assert Comment.objects.get(id=comment.id).status == "drafted"
    assert Draft.objects.filter(comment=comment, status="pending").exists()


def test_approving_warns_when_the_fan_wrote_again(client, owner, creator, camera_faq):
    draft = drafted(creator, "w1")
    ingest(creator, "w2", "actually never mind", author={"external_id": "fan-w1", "name": "Sam"})
    body = login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version}, **HTMX).content.decode()
    assert "wrote again" in body
    assert Draft.objects.get(id=draft.id).status == "pending"
    client.post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version, "confirm": "1"}, **HTMX)
    assert Draft.objects.get(id=draft.id).status == "approved"


def test_assigning_a_comment(client, owner, assistant, creator, camera_faq):
    draft = drafted(creator)
    login(client, owner).post(f"/inbox/comments/{draft.comment_id}/assign/", {"assignee": str(assistant.id)}, **HTMX)
    assert Comment.objects.get(id=draft.comment_id).assigned_to == assistant


def test_history_shows_who_decided_and_the_diff(client, owner, creator, camera_faq):
    draft = drafted(creator)
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"version": 1, "text": "Sony A7 IV <b>forever</b>"}, **HTMX)
    body = client.get(f"/inbox/drafts/{draft.id}/history/", **HTMX).content.decode()
    assert "edit_approve" in body and owner.email in body
    assert "&lt;b&gt;forever&lt;/b&gt;</ins>" in body
    fan_page = client.get(f"/inbox/fans/{draft.comment.fan_id}/").content.decode()
    assert "edit_approve" in fan_page


def test_an_approved_reply_becomes_knowledge_and_undo_takes_it_back(creator, owner, camera_faq):
    from replyqueue.inbox.actions import draft_approve, draft_undo

    draft = drafted(creator)
    draft_approve(draft=draft, actor=Actor(role="owner", user=owner), text="Sony A7 IV!")
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    assert (learned.kind, learned.body) == ("reply", "Sony A7 IV!")
    draft_undo(draft=Draft.objects.get(id=draft.id), actor=Actor(role="owner", user=owner))
    assert not KnowledgeItem.objects.filter(id=learned.id).exists()


def test_a_rejected_answer_is_not_proposed_again_for_similar_comments(client, owner, creator):
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "What camera do you use?", "The Canon R5 (old answer)."),
        KnowledgeInput("reply", "which camera do you use now", "These days the Sony A7 IV."),
    ])
    draft = drafted(creator)
    assert "Canon" in draft.text
    login(client, owner).post(f"/inbox/drafts/{draft.id}/reject/", {"version": 1, "reason": "outdated"}, **HTMX)
    again = drafted(creator, "again", "what camera do you use?")
    assert "Canon" not in again.text


@pytest.mark.parametrize("path", ["/inbox/comments/{id}/mark/", "/inbox/comments/{id}/draft/", "/inbox/comments/{id}/answer/"])
def test_comment_actions_of_another_creator_are_404(client, outsider, creator, camera_faq, path):
    draft = drafted(creator)
    response = login(client, outsider).post(path.format(id=draft.comment_id), {"category": "spam", "text": "x"}, **HTMX)
    assert response.status_code == 404


def test_the_card_polls_while_the_redraft_request_waits_for_a_worker(client, owner, creator, camera_faq):
    from replyqueue.inbox.drafting import draft_request_run
    from replyqueue.inbox.models import DraftRequest

    draft = drafted(creator)
    login(client, owner)
    waiting = client.post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": "shorter"}, **HTMX).content.decode()
    work = DraftRequest.objects.get(comment_id=draft.comment_id)
    assert 'hx-trigger="load delay:1s"' in waiting and f"request={work.id}" in waiting
    draft_request_run(request_id=work.id)
    done = client.get(f"/inbox/comments/{draft.comment_id}/card/?request={work.id}", **HTMX).content.decode()
    assert f'id="draft-{Draft.objects.get(status="pending").id}"' in done
    assert "load delay" not in done


def test_a_failed_redraft_request_stops_polling_and_says_why(client, owner, creator, camera_faq):
    from replyqueue.inbox.drafting import draft_request_fail
    from replyqueue.inbox.models import DraftRequest

    draft = drafted(creator)
    login(client, owner).post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": "shorter"}, **HTMX)
    work = DraftRequest.objects.get(comment_id=draft.comment_id)
    draft_request_fail(request_id=work.id, error="the language model did not answer")
    body = client.get(f"/inbox/comments/{draft.comment_id}/card/?request={work.id}", **HTMX).content.decode()
    assert "load delay" not in body
    assert "the language model did not answer" in body


def test_the_sweeper_ends_a_redraft_request_that_crashed_every_worker(creator, camera_faq):
    from replyqueue.inbox.drafting import MAX_REQUEST_ATTEMPTS
    from replyqueue.inbox.tasks import sweep_drafting_once

    draft = drafted(creator)
    crashed = DraftRequest.objects.create(
        creator=creator, comment_id=draft.comment_id, kind="regenerate", attempts=MAX_REQUEST_ATTEMPTS + 1
    )
    assert sweep_drafting_once()["draft_requests"] == 0
    crashed.refresh_from_db()
    assert (crashed.status, crashed.error) == ("failed", f"drafting crashed {MAX_REQUEST_ATTEMPTS + 1} times")


def test_the_sweeper_leaves_a_last_attempt_that_a_live_worker_holds(creator, camera_faq):
    from django.utils import timezone

    from replyqueue.core.workers import current_worker
    from replyqueue.inbox.drafting import MAX_REQUEST_ATTEMPTS
    from replyqueue.inbox.tasks import sweep_drafting_once

    draft = drafted(creator)
    running = DraftRequest.objects.create(
        creator=creator, comment_id=draft.comment_id, kind="regenerate", attempts=MAX_REQUEST_ATTEMPTS + 1,
        claimed_at=timezone.now(), claimed_by=current_worker(),
    )
    sweep_drafting_once()
    running.refresh_from_db()
    assert running.status == "pending"


def test_assistants_cannot_bulk_approve_possibly_sensitive_drafts(creator, assistant, camera_faq):
    draft = drafted(creator, "ps")
    Comment.objects.filter(id=draft.comment_id).update(labels=["possibly sensitive"])
    result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role="assistant", user=assistant), draft_ids=[draft.id])
    assert result.skipped == {draft.id: "possibly sensitive comment"}


@pytest.mark.parametrize(("label", "refusal"), [("possibly abuse", "possibly abusive comment"), ("possibly spam", "possibly spam")])
def test_assistants_cannot_bulk_approve_drafts_for_comments_triage_was_unsure_of(creator, assistant, camera_faq, label, refusal):
    draft = drafted(creator, "pa")
    Comment.objects.filter(id=draft.comment_id).update(labels=[label])
    result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role="assistant", user=assistant), draft_ids=[draft.id])
    assert result.skipped == {draft.id: refusal}


def test_an_approval_can_be_scheduled_from_the_inbox(client, owner, creator, camera_faq):
    from datetime import timedelta

    from django.utils import timezone

    draft = drafted(creator)
    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    login(client, owner).post(
        f"/inbox/drafts/{draft.id}/approve/", {"version": 1, "send_at": when.strftime("%Y-%m-%dT%H:%M")}, **HTMX
    )
    assert Publication.objects.get(draft=draft).due_at == when


def test_a_send_time_in_the_past_is_refused_and_nothing_is_approved(client, owner, creator, camera_faq):
    draft = drafted(creator)
    body = login(client, owner).post(
        f"/inbox/drafts/{draft.id}/approve/", {"version": 1, "send_at": "2020-01-01T10:00"}, **HTMX
    ).content.decode()
    assert "Choose a send time in the future" in body
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_the_offline_drafter_says_which_instruction_it_cannot_follow(client, owner, creator, camera_faq):
    draft = drafted(creator)
    login(client, owner)
    body = client.post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": "plus court et en français"}, **HTMX).content.decode()
    assert "cannot follow “en français”" in body
    assert not DraftRequest.objects.exists() and Draft.objects.get(id=draft.id).status == "pending"
    body = client.post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": ""}, **HTMX).content.decode()
    assert "would write the same draft again" in body
    assert not DraftRequest.objects.exists()
    page = client.get("/inbox/").content.decode()
    assert "it cannot translate or rewrite" in page and "up to 3 drafts" in page


def test_a_followable_instruction_still_redrafts(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    draft = drafted(creator)
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/drafts/{draft.id}/regenerate/", {"instruction": "shorter and warmer"}, **HTMX)
    assert DraftRequest.objects.get().status == "done"


def test_fewer_alternatives_than_asked_says_how_many_were_found(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    draft = drafted(creator)
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/drafts/{draft.id}/regenerate/", {"alternatives": "3"}, **HTMX)
    work = DraftRequest.objects.get()
    assert work.found == 1
    body = client.get(f"/inbox/comments/{draft.comment_id}/card/?request={work.id}", **HTMX).content.decode()
    assert "You asked for 3 drafts: the creator&#x27;s knowledge gave only 1 different answer." in body


def test_an_llm_drafter_shows_free_instructions(client, owner, creator, camera_faq, settings):
    from replyqueue.clone.drafters.grounded import instruction_not_followed

    draft = drafted(creator)
    settings.DRAFTER = "openai"
    page = login(client, owner).get("/inbox/").content.decode()
    assert "it cannot translate or rewrite" not in page and f"draft-{draft.id}" in page
    assert instruction_not_followed("mention the camera and the lens") == []
    assert instruction_not_followed("make it shorter, in French") == ["in French"]


def test_a_safety_false_alarm_the_knowledge_answers_is_one_click_from_a_draft_for_the_owner(
    client, owner, creator, django_capture_on_commit_callbacks
):
    knowledge_add(creator=creator, items=[KnowledgeInput(
        "faq", "Mon caramel brûle à chaque fois, que faire ?",
        "Pour un caramel qui brûle : feu moyen, casserole à fond épais, et retire-le du feu dès qu'il est ambré.",
    )])
    comment = processed(creator, "caramel", "j'ai brûlé mon caramel encore une fois 😭")
    assert (comment.status, comment.owner_only) == ("needs_human", True)  # the safety model's false alarm
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/comments/{comment.id}/draft/", **HTMX)
    draft = Draft.objects.get(comment=comment, status="pending")
    assert "ambré" in draft.text
    assert routine_refusal(draft) == "owner-only comment"


def test_draft_anyway_still_invents_nothing_when_no_knowledge_is_near(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    comment = processed(creator, "far", "What editing software do you use?")
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/comments/{comment.id}/draft/", **HTMX)
    comment.refresh_from_db()
    assert comment.status == "needs_human" and "a draft needs 35%" in comment.reason  # the drafter's own reason
    assert not Draft.objects.filter(comment=comment).exists()


def test_draft_anyway_on_distress_keeps_the_bar_and_drafts_nothing_from_a_loosely_related_faq(
    client, owner, creator, django_capture_on_commit_callbacks
):
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "When do you upload new videos?", "New videos go up every Thursday at 6pm Paris time.")])
    comment = processed(creator, "low", "I've been feeling really depressed lately and your videos are the only thing that helps")
    assert comment.owner_only
    with django_capture_on_commit_callbacks(execute=True):
        login(client, owner).post(f"/inbox/comments/{comment.id}/draft/", **HTMX)
    assert not Draft.objects.filter(comment=comment).exists()
