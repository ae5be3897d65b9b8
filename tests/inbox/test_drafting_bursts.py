"""A burst of comments is drafted a batch at a time: one task, one embedding batch, one read of
the creator's setup, one write; each comment still ends with exactly one outcome."""

import numpy as np

from replyqueue.clone import embeddings
from replyqueue.clone.drafters import DraftingError
from replyqueue.clone.drafters.grounded import GroundedDrafter
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.comments.models import Comment
from replyqueue.inbox import tasks
from replyqueue.inbox.drafting import comments_process
from replyqueue.inbox.models import Draft
from tests.factories import ingest


def test_a_burst_is_sent_as_one_task_per_batch(db, settings, monkeypatch):
    settings.DRAFT_BATCH_SIZE = 4
    sent = []
    monkeypatch.setattr(tasks.process_comments, "delay", sent.append)
    tasks.enqueue_process_comment(list(range(1, 11)))
    assert sent == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_each_comment_of_a_batch_is_drafted_from_its_own_creators_knowledge(creator, other_creator, camera_faq):
    [rival_item] = knowledge_add(
        creator=other_creator, items=[KnowledgeInput("faq", "What camera do you use?", "A Canon R5, always.")]
    )
    mine = [ingest(creator, f"m{n}", "What camera do you use?") for n in range(3)]
    theirs = [ingest(other_creator, f"r{n}", "What camera do you use?") for n in range(2)]
    comments_process(comment_ids=[c.id for c in mine + theirs])
    assert [Draft.objects.get(comment=c).sources for c in mine] == [[camera_faq.id]] * 3
    assert [Draft.objects.get(comment=c).sources for c in theirs] == [[rival_item.id]] * 2


def test_running_a_batch_twice_makes_one_draft_per_comment(creator, camera_faq):
    batch = [ingest(creator, f"c{n}").id for n in range(3)]
    comments_process(comment_ids=batch)
    Comment.objects.filter(id__in=batch).update(status="received", claimed_at=None)
    comments_process(comment_ids=batch)
    assert [Draft.objects.filter(comment_id=c).count() for c in batch] == [1, 1, 1]


def test_a_comment_that_fails_to_draft_does_not_hold_back_the_rest_of_its_batch(creator, camera_faq, monkeypatch):
    propose = GroundedDrafter.propose

    def failing_on_lenses(self, context):
        if "lens" in context.comment_text:
            raise DraftingError("the model timed out")
        return propose(self, context)

    monkeypatch.setattr(GroundedDrafter, "propose", failing_on_lenses)
    fine, failing = ingest(creator, "a"), ingest(creator, "b", "What camera and lens do you use?")
    failed = comments_process(comment_ids=[fine.id, failing.id])
    assert list(failed) == [failing.id]
    assert Comment.objects.get(id=fine.id).status == "drafted"
    failing.refresh_from_db()
    assert (failing.status, failing.claimed_at) == ("received", None)


def test_the_task_retries_a_failed_comment_on_its_own(creator, camera_faq, monkeypatch):
    def always_down(self, context):
        raise DraftingError("down")

    monkeypatch.setattr(GroundedDrafter, "propose", always_down)
    retried = []
    monkeypatch.setattr(tasks.process_comment, "apply_async", lambda args, countdown: retried.append(args))
    comment = ingest(creator)
    tasks.process_comments.run([comment.id])
    assert retried == [(comment.id,)]


class CountingEmbedder:
    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts):
        self.calls.append(list(texts))
        return embeddings.normalise(np.ones((len(texts), 4)) + np.arange(len(texts))[:, None])


def test_a_burst_is_embedded_in_one_call_and_each_text_only_once(monkeypatch):
    fake = CountingEmbedder()
    monkeypatch.setattr(embeddings, "get_embedder", lambda: fake)
    embeddings.recent_vectors.clear()
    first = embeddings.embed(["a", "b", "a"])
    again = embeddings.embed(["b", "c"])
    assert fake.calls == [["a", "b"], ["c"]]
    assert np.array_equal(first[0], first[2]) and np.array_equal(first[1], again[0])
