"""The worker triages a creator's waiting comments in batches (one embedding and one model pass
each), then drafts one comment per task; every comment still ends exactly once."""

from django.utils import timezone

from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Draft
from tests.factories import ingest

BURST = [
    ("q1", "What camera do you use?"),
    ("s1", "FREE iPhone giveaway!!! click bit.ly/fr33-ph0ne and enter your card to claim"),
    ("t1", "je sais où tu habites, fais gaffe à toi"),
    ("q2", "Which camera do you use for your vlogs?"),
]


def _burst(creator) -> list[Comment]:
    return [ingest(creator, external_id, text) for external_id, text in BURST]


def test_one_wake_up_triages_all_the_creators_waiting_comments(creator, camera_faq):
    comments = _burst(creator)
    comment_process(comment_id=comments[0].id)
    assert all(c.triaged_at is not None for c in Comment.objects.filter(creator=creator))


def test_comments_not_to_draft_get_their_final_status_in_the_batch(creator, camera_faq):
    comments = _burst(creator)
    comment_process(comment_id=comments[0].id)
    spam, threat = Comment.objects.get(id=comments[1].id), Comment.objects.get(id=comments[2].id)
    assert (spam.status, spam.category) == ("no_reply", "spam") and spam.reason
    assert (threat.status, threat.category, threat.owner_only) == ("needs_human", "threat", True)


def test_a_comment_to_draft_keeps_received_with_its_triage_and_no_claim(creator, camera_faq):
    comments = _burst(creator)
    comment_process(comment_id=comments[0].id)
    waiting = Comment.objects.get(id=comments[3].id)
    assert (waiting.status, waiting.category, waiting.claimed_by, waiting.attempts) == ("received", "question", "", 0)


def test_the_woken_comment_is_drafted_by_the_same_task(creator, camera_faq):
    comments = _burst(creator)
    comment_process(comment_id=comments[0].id)
    assert Comment.objects.get(id=comments[0].id).status == "drafted"
    assert Draft.objects.filter(comment_id=comments[0].id).count() == 1


def test_each_comments_own_wake_up_ends_it_exactly_once(creator, camera_faq):
    comments = _burst(creator)
    for comment in comments:  # the wake-ups ingest sent, in order, as the worker takes them
        comment_process(comment_id=comment.id)
    statuses = dict(Comment.objects.filter(creator=creator).values_list("external_id", "status"))
    assert statuses == {"q1": "drafted", "s1": "no_reply", "t1": "needs_human", "q2": "drafted"}
    assert all(Draft.objects.filter(comment_id=c.id).count() <= 1 for c in comments)


def test_a_wake_up_that_meets_another_workers_triage_claim_is_sent_again(creator, camera_faq, django_capture_on_commit_callbacks):
    comment = ingest(creator, "q1", BURST[0][1])
    Comment.objects.filter(id=comment.id).update(claimed_at=timezone.now(), claimed_by="elsewhere:1")
    with django_capture_on_commit_callbacks() as callbacks:
        comment_process(comment_id=comment.id)
    assert len(callbacks) == 1


def test_a_wake_up_whose_comment_another_worker_triages_meanwhile_is_sent_again(
    creator, camera_faq, monkeypatch, django_capture_on_commit_callbacks
):
    from replyqueue.inbox import drafting

    comment = ingest(creator, "q1", BURST[0][1])
    Comment.objects.filter(id=comment.id).update(claimed_at=timezone.now(), claimed_by="elsewhere:1")
    claim = drafting.comments_claim

    def claim_then_the_other_worker_finishes_triage(ids):
        got = claim(ids)
        Comment.objects.filter(id=comment.id).update(triaged_at=timezone.now(), claimed_at=None, claimed_by="")
        return got

    monkeypatch.setattr(drafting, "comments_claim", claim_then_the_other_worker_finishes_triage)
    with django_capture_on_commit_callbacks(execute=True):
        comment_process(comment_id=comment.id)
    assert Comment.objects.get(id=comment.id).status == "drafted"


def test_a_comment_another_worker_holds_is_left_to_it(creator, camera_faq):
    comments = _burst(creator)
    Comment.objects.filter(id=comments[3].id).update(claimed_at=timezone.now(), claimed_by="elsewhere:1")
    comment_process(comment_id=comments[0].id)
    held = Comment.objects.get(id=comments[3].id)
    assert (held.triaged_at, held.claimed_by, held.status) == (None, "elsewhere:1", "received")


def test_triage_runs_ahead_of_drafting_by_a_bounded_number_of_comments(creator, camera_faq, monkeypatch):
    from replyqueue.inbox import drafting

    monkeypatch.setattr(drafting, "TRIAGE_BATCH", 1)
    monkeypatch.setattr(drafting, "TRIAGE_AHEAD", 2)
    comments = [ingest(creator, f"q{n}", f"What camera do you use for video {n}?") for n in range(5)]
    comment_process(comment_id=comments[0].id)
    triaged = [Comment.objects.get(id=c.id).triaged_at is not None for c in comments]
    assert triaged == [True, True, False, False, False]


def test_other_creators_comments_are_not_in_the_batch(creator, other_creator, camera_faq):
    mine = ingest(creator, "m1", "What camera do you use?")
    theirs = ingest(other_creator, "o1", "What camera do you use?")
    comment_process(comment_id=mine.id)
    assert Comment.objects.get(id=theirs.id).triaged_at is None


def test_a_drafting_task_first_triages_comments_that_arrived_since(creator, camera_faq):
    first, second = ingest(creator, "q1", BURST[0][1]), ingest(creator, "q2", BURST[3][1])
    comment_process(comment_id=first.id)  # triages both, drafts the first; the second waits to be drafted
    spam = ingest(creator, "s1", BURST[1][1])
    comment_process(comment_id=second.id)
    assert Comment.objects.get(id=spam.id).status == "no_reply"
    assert Comment.objects.get(id=second.id).status == "drafted"
