"""Marking spam or abuse from the review queue, restoring filed comments, and the comments that read alike."""

import json
import re

import pytest

from replyqueue.clone.models import TriageFeedback
from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, DecisionError, brief_request, comment_mark, comments_mark, draft_approve
from replyqueue.inbox.models import Decision, Draft, DraftRequest
from replyqueue.inbox.selectors import similar_filed, similar_waiting
from tests.factories import ROMANCE_BOT, drafted, ingest, processed
from tests.pages import login

HTMX = {"HTTP_HX_REQUEST": "true"}
SPAMMY = "What camera do you use? 🔥🔥 follow me"
COPY = "what camera do u use?? 🔥🔥 follow me pls"
FILED = "Check out my channel for free crypto giveaways!!! www.cheap-coins.xyz"
FILED_TOO = "check out my channel for FREE crypto giveaway www.cheap-coins.xyz !!"


def test_spam_from_the_review_queue_files_the_comment_and_teaches_triage(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    response = login(client, owner).post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam"}, **HTMX)
    assert response.status_code == 200
    assert "Marked spam" in response.content.decode()
    assert json.loads(response["HX-Trigger"])["inbox:decided"]["draft"] == draft.id
    comment = Comment.objects.get(id=draft.comment_id)
    assert (comment.status, comment.category) == ("no_reply", "spam")
    assert Draft.objects.get(id=draft.id).status == "superseded"
    assert TriageFeedback.objects.get(comment=comment).category == "spam"
    assert Decision.objects.filter(action="mark", comment_id=comment.id, after_text="spam").count() == 1


def test_undo_of_a_spam_mark_gives_the_comment_back_its_category(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", "What camera do you use?")
    assert Comment.objects.get(id=draft.comment_id).category == "question"
    page = login(client, owner).post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam"}, **HTMX).content.decode()
    undo = re.search(r"hx-post=\"([^\"]+)\" hx-vals='([^']+)'[^>]*data-action=\"undo\"", page)
    client.post(undo.group(1), json.loads(undo.group(2)), **HTMX)
    assert Comment.objects.get(id=draft.comment_id).category == "question"  # not "other"
    assert DraftRequest.objects.filter(comment_id=draft.comment_id, kind="draft_anyway").exists()


def test_a_draft_approved_meanwhile_is_not_marked_and_its_reply_stands(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    draft_approve(draft=draft, actor=Actor(role="owner", user=owner))
    response = login(client, owner).post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam"}, **HTMX)
    assert "already approved" in response.content.decode()
    assert Comment.objects.get(id=draft.comment_id).status == "drafted"
    assert not TriageFeedback.objects.filter(comment_id=draft.comment_id, category="spam").exists()


def test_spam_from_a_draft_card_works_without_javascript(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    response = login(client, owner).post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam", "text": draft.text})
    assert (response.status_code, response["Location"]) == (302, "/inbox/")
    assert Comment.objects.get(id=draft.comment_id).status == "no_reply"


def test_a_content_variant_cannot_be_marked_spam(client, owner, creator):
    brief = brief_request(creator=creator, actor=Actor(role="owner", user=owner), kind="caption", text="x")
    variant = Draft.objects.create(creator=creator, brief=brief, text="A caption", drafted_text="A caption", confidence=0.9)
    response = login(client, owner).post(f"/inbox/drafts/{variant.id}/mark/", {"category": "spam"}, **HTMX)
    assert response.status_code == 400
    assert Draft.objects.get(id=variant.id).status == "pending"


def test_the_mark_offers_the_waiting_comments_that_read_like_it(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    copy = drafted(creator, "s2", COPY)
    unrelated = drafted(creator, "q1", "Which lens do you take for portraits of your dog?")
    page = login(client, owner).post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam"}, **HTMX).content.decode()
    assert f'name="comment" value="{copy.comment_id}" checked' in page
    assert f'value="{unrelated.comment_id}"' not in page
    assert "1 other waiting comment reads like this one" in page


def test_safety_cases_and_other_creators_comments_are_never_offered(creator, other_creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    safety = drafted(creator, "s2", COPY)
    Comment.objects.filter(id=safety.comment_id).update(category="sensitive", status="needs_human")
    elsewhere = ingest(other_creator, "s3", COPY)
    Comment.objects.filter(id=elsewhere.id).update(status="needs_human")
    assert similar_waiting(Comment.objects.get(id=draft.comment_id)) == []


def test_marking_the_ticked_ones_files_each_with_its_own_decision(client, owner, creator, camera_faq):
    copies = [drafted(creator, f"s{i}", text) for i, text in enumerate([COPY, "What camera do you use?? 🔥 follow me"])]
    ids = [d.comment_id for d in copies]
    response = login(client, owner).post("/inbox/comments/mark-similar/", {"category": "spam", "comment": ids}, **HTMX)
    assert "2 more comments marked spam." in response.content.decode()
    assert sorted(json.loads(response["HX-Trigger"])["inbox:left"]["drafts"]) == sorted(d.id for d in copies)
    assert set(Comment.objects.filter(id__in=ids).values_list("status", "category")) == {("no_reply", "spam")}
    assert Decision.objects.filter(action="mark", comment_id__in=ids).count() == 2
    assert TriageFeedback.objects.filter(comment_id__in=ids, category="spam").count() == 2


def test_an_assistant_marking_several_skips_the_owner_only_comment(creator, assistant, camera_faq):
    shown, hidden = drafted(creator, "s1", COPY), drafted(creator, "s2", SPAMMY)
    Comment.objects.filter(id=hidden.comment_id).update(owner_only=True)
    result = comments_mark(
        creator_id=creator.id, actor=Actor(role="assistant", user=assistant),
        comment_ids=[shown.comment_id, hidden.comment_id], category="spam",
    )
    assert result.marked == [shown.comment_id]
    assert result.skipped == {hidden.comment_id: "Only the owner can act on this comment."}
    assert Comment.objects.get(id=hidden.comment_id).status == "drafted"


def test_a_safety_case_is_never_marked_with_the_others(creator, owner, camera_faq):
    safety = drafted(creator, "s1", COPY)
    Comment.objects.filter(id=safety.comment_id).update(category="threat", status="needs_human")
    result = comments_mark(creator_id=creator.id, actor=Actor(role="owner", user=owner), comment_ids=[safety.comment_id],
                           category="spam")
    assert result.marked == [] and safety.comment_id in result.skipped
    assert Comment.objects.get(id=safety.comment_id).status == "needs_human"


def test_a_category_outside_the_vocabulary_marks_nothing(creator, owner, camera_faq):
    draft = drafted(creator, "s1", COPY)
    with pytest.raises(DecisionError):
        comments_mark(creator_id=creator.id, actor=Actor(role="owner", user=owner), comment_ids=[draft.comment_id],
                      category="fine")
    assert Comment.objects.get(id=draft.comment_id).status == "drafted"


def test_restoring_a_filed_comment_offers_the_filed_ones_that_read_like_it(client, owner, creator, camera_faq):
    first, second = processed(creator, "g1", FILED), processed(creator, "g2", FILED_TOO)
    kept = processed(creator, "g3", "Earn $500 a day working from home, visit www.easy-job.biz")
    assert {first.status, second.status, kept.status} == {"no_reply"}
    page = login(client, owner).post(f"/inbox/comments/{first.id}/mark/", {"category": "other"}, **HTMX).content.decode()
    assert f'name="comment" value="{second.id}" checked' in page
    assert f'value="{kept.id}"' not in page
    assert "1 other filed comment reads like this one" in page


def test_a_comment_a_person_marked_spam_is_not_offered_for_restoring(client, owner, creator, camera_faq):
    first, second = processed(creator, "g1", FILED), processed(creator, "g2", FILED_TOO)
    comment_mark(comment=second, actor=Actor(role="owner", user=owner), category="spam")
    assert similar_filed(Comment.objects.get(id=first.id)) == []


def test_restoring_the_ticked_ones_asks_a_draft_for_each(client, owner, creator, camera_faq, django_capture_on_commit_callbacks):
    first, second = processed(creator, "g1", FILED), processed(creator, "g2", FILED_TOO)
    waiting = drafted(creator, "q1")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, owner).post(
            "/inbox/comments/mark-similar/", {"category": "other", "comment": [first.id, second.id, waiting.comment_id]}, **HTMX
        )
    assert "2 more comments restored" in response.content.decode()
    assert DraftRequest.objects.filter(comment_id__in=[first.id, second.id], kind="draft_anyway").count() == 2
    assert "no_reply" not in set(Comment.objects.filter(id__in=[first.id, second.id]).values_list("status", flat=True))
    assert "not filed" in response.content.decode()


def test_the_api_marks_a_comment_spam(api, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    response = api.post(f"/api/v1/comments/{draft.comment_id}/mark/", {"category": "spam"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["category"]) == ("no_reply", "spam")
    assert TriageFeedback.objects.get(comment_id=draft.comment_id).category == "spam"


def test_the_api_refuses_a_category_outside_the_vocabulary(api, creator, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    response = api.post(f"/api/v1/comments/{draft.comment_id}/mark/", {"category": "fine"}, format="json")
    assert response.status_code == 400
    assert Comment.objects.get(id=draft.comment_id).status == "drafted"


def test_a_comment_already_answered_is_neither_offered_nor_marked(creator, owner, camera_faq):
    draft = drafted(creator, "s1", SPAMMY)
    answered = drafted(creator, "s2", COPY)
    draft_approve(draft=answered, actor=Actor(role="owner", user=owner))
    assert similar_waiting(Comment.objects.get(id=draft.comment_id)) == []
    result = comments_mark(creator_id=creator.id, actor=Actor(role="owner", user=owner), comment_ids=[answered.comment_id],
                           category="spam")
    assert result.skipped == {answered.comment_id: "already answered"}
    assert Comment.objects.get(id=answered.comment_id).status == "drafted"


def test_possibly_spam_waiting_for_the_owner_is_filed_or_cleared_in_one_click(client, owner, creator, camera_faq):
    comment = ingest(creator, "s1", text="hi beautiful, I am a general on a peace mission, message me on hangouts")
    Comment.objects.filter(id=comment.id).update(status="needs_human", category="spam", owner_only=True)
    page = login(client, owner).get(f"/inbox/comments/{comment.id}/card/", **HTMX).content.decode()
    assert 'data-action="mark-spam"' in page and 'data-action="not-spam"' in page
    client.post(f"/inbox/comments/{comment.id}/mark/", {"category": "spam"}, **HTMX)
    assert Comment.objects.get(id=comment.id).status == "no_reply"


def test_a_filed_spam_card_offers_not_spam_and_no_second_spam_button(client, owner, creator, camera_faq):
    comment = processed(creator, "f1", FILED)
    assert comment.status == "no_reply"
    page = login(client, owner).get(f"/inbox/comments/{comment.id}/card/", **HTMX).content.decode()
    assert 'data-action="not-spam"' in page and 'data-action="mark-spam"' not in page


def test_filing_a_safety_case_from_its_card_asks_first(client, owner, creator, camera_faq):
    safety = processed(creator, "t1", "I want to end my life. What camera do you use?")
    waiting = ingest(creator, "w1", text="hi, message me on hangouts")
    Comment.objects.filter(id=waiting.id).update(status="needs_human", category="spam", owner_only=True)
    login(client, owner)
    asks = client.get(f"/inbox/comments/{safety.id}/card/", **HTMX).content.decode()
    plain = client.get(f"/inbox/comments/{waiting.id}/card/", **HTMX).content.decode()
    assert re.search(r'data-action="mark-spam" hx-confirm="[^"]*safety case', asks)
    assert "hx-confirm" not in plain


def test_filing_the_comment_of_a_drafted_safety_case_asks_first(client, owner, creator, camera_faq):
    draft = drafted(creator, "s1", "What camera do you use?")
    asks = re.compile(r'data-action="mark-spam" hx-confirm="[^"]*safety case')
    assert not asks.search(login(client, owner).get("/inbox/").content.decode())
    Comment.objects.filter(id=draft.comment_id).update(category="sensitive")
    assert asks.search(client.get("/inbox/").content.decode())


def test_marking_a_flagged_bot_spam_moves_its_waiting_copies_below_the_safety_cases(client, owner, creator):
    first, copy = processed(creator, "r1", ROMANCE_BOT), processed(creator, "r2", ROMANCE_BOT.replace("so we", "and we"))
    threat = processed(creator, "t1", "I know where you live and I'm coming")
    assert first.is_safety_case and copy.is_safety_case
    login(client, owner).post(f"/inbox/comments/{first.id}/mark/", {"category": "spam"}, **HTMX)
    copy.refresh_from_db()
    assert (copy.category, copy.status, copy.priority, copy.labels[0]) == ("spam", "needs_human", 50, "possibly spam")
    assert "like a comment you marked spam" in copy.reason
    assert Comment.objects.get(id=threat.id).category == "threat"
    assert [s.comment.id for s in similar_waiting(Comment.objects.get(id=first.id))] == [copy.id]  # "mark similar" offers it


def test_marking_a_flagged_comment_anything_but_spam_leaves_the_other_safety_cases_alone(client, owner, creator):
    first, copy = processed(creator, "r1", ROMANCE_BOT), processed(creator, "r2", ROMANCE_BOT.replace("so we", "and we"))
    login(client, owner).post(f"/inbox/comments/{first.id}/mark/", {"category": "abuse"}, **HTMX)
    assert Comment.objects.get(id=copy.id).is_safety_case
