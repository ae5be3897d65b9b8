"""Questions the clone could not answer: grouped by meaning, answered once for the whole group."""

from replyqueue.clone.models import KnowledgeItem
from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Decision, Draft, DraftRequest
from replyqueue.inbox.selectors import unanswered_questions
from tests.factories import ingest
from tests.pages import login

MERCH = ["Do you sell merch?", "is there any merch for sale", "Any merch coming?", "Where can I buy your merch?"]


def abstained(creator, external_id: str, text: str) -> Comment:
    comment = ingest(creator, external_id, text, author={"external_id": f"fan-{external_id}", "name": f"Fan {external_id}"})
    comment_process(comment_id=comment.id)
    comment.refresh_from_db()
    assert comment.status == "needs_human", comment.reason
    return comment


def test_abstentions_are_grouped_by_meaning_biggest_first(creator):
    merch = [abstained(creator, f"m{i}", text) for i, text in enumerate(MERCH)]
    lens = [abstained(creator, "l1", "What lens do you use for astrophotography?"),
            abstained(creator, "l2", "which lens for the night sky shots?")]
    lone = abstained(creator, "p1", "How do you edit your videos?")
    groups = unanswered_questions(creator.id)
    assert [sorted(c.id for c in g.comments) for g in groups] == [
        sorted(c.id for c in merch), sorted(c.id for c in lens), [lone.id],
    ]


def test_triage_set_asides_are_not_questions_the_clone_could_not_answer(creator):
    set_aside = ingest(creator, "t1", "I want to hurt myself")
    comment_process(comment_id=set_aside.id)
    assert Comment.objects.get(id=set_aside.id).status == "needs_human"
    assert unanswered_questions(creator.id) == []


def test_answering_a_group_once_drafts_for_every_waiting_fan(client, owner, creator, django_capture_on_commit_callbacks):
    merch = [abstained(creator, f"m{i}", text) for i, text in enumerate(MERCH[:3])]
    login(client, owner)
    page = client.get("/inbox/questions/").content.decode()
    assert "3 fans ask" in page
    ids = ",".join(str(c.id) for c in merch)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inbox/questions/answer/", {"comments": ids, "text": "Yes! The merch shop opens in June."})
    assert response.status_code == 302
    assert KnowledgeItem.objects.filter(creator=creator, origin="creator_answer", body__contains="June").count() == 1
    assert Decision.objects.filter(action="answer", comment_id__in=[c.id for c in merch]).count() == 3
    assert DraftRequest.objects.filter(comment__in=merch).count() == 3
    drafted = Draft.objects.filter(comment__in=merch, status="pending")
    assert drafted.count() >= 2 and all("June" in d.text for d in drafted)
    assert "3 fans get a draft" in client.get("/inbox/questions/").content.decode()


def test_viewers_cannot_answer_a_group(client, viewer, creator):
    comment = abstained(creator, "m1", MERCH[0])
    response = login(client, viewer).post("/inbox/questions/answer/", {"comments": str(comment.id), "text": "x"})
    assert response.status_code == 403
    assert not KnowledgeItem.objects.filter(origin="creator_answer").exists()
