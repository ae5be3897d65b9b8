"""Bulk approval in batches: the per-draft policy of a single approval, a constant number of queries."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from replyqueue.clone.models import TriageFeedback
from replyqueue.inbox import actions
from replyqueue.inbox.actions import Actor, drafts_bulk_approve
from replyqueue.inbox.models import Decision, Draft
from replyqueue.publishing.models import Publication
from tests.factories import drafted


def approve_counting(creator, owner, ids):
    with CaptureQueriesContext(connection) as queries:
        result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role="owner", user=owner), draft_ids=ids)
    return result, len(queries)


def test_a_constant_number_of_queries_whatever_the_batch(creator, owner, camera_faq):
    small = [drafted(creator, f"a{i}").id for i in range(2)]
    large = [drafted(creator, f"b{i}").id for i in range(12)]
    _, few = approve_counting(creator, owner, small)
    result, many = approve_counting(creator, owner, large)
    assert sorted(result.approved) == sorted(large)
    assert many == few  # no query per draft
    assert Decision.objects.filter(draft_id__in=large, action="approve").count() == 12
    publications = Publication.objects.filter(draft_id__in=large)
    assert publications.count() == 12
    assert all(p.ai_assisted and p.label == "(AI-assisted reply)" and p.text.endswith(p.label) for p in publications)
    assert TriageFeedback.objects.filter(comment__drafts__id__in=large, source="approval").count() == 12
    assert set(Draft.objects.filter(id__in=large).values_list("status", "version")) == {("approved", 2)}


def test_alternatives_are_superseded_and_one_draft_per_comment(creator, owner, camera_faq):
    rank0 = drafted(creator, "c1")
    rank1 = Draft.objects.create(
        creator=creator, comment_id=rank0.comment_id, text="Sony A7 IV!", drafted_text="Sony A7 IV!",
        generation=rank0.generation, rank=1, confidence=0.9,
    )
    result, _ = approve_counting(creator, owner, [rank0.id, rank1.id])
    assert result.approved == [rank0.id]
    assert "already approved" in result.skipped[rank1.id]
    assert Draft.objects.get(id=rank1.id).status == "superseded"
    assert Publication.objects.filter(comment_id=rank0.comment_id).count() == 1


def test_a_batch_that_meets_a_concurrent_decision_falls_back_to_one_by_one(creator, owner, camera_faq, monkeypatch):
    ids = [drafted(creator, f"f{i}").id for i in range(3)]

    def raced(*args, **kwargs):
        raise IntegrityError("one_approved_draft_per_comment")

    monkeypatch.setattr(actions, "_bulk_approve_batched", raced)
    result, _ = approve_counting(creator, owner, ids)
    assert sorted(result.approved) == sorted(ids)
    assert Publication.objects.filter(draft_id__in=ids).count() == 3


@pytest.mark.parametrize("role", ["assistant"])
def test_the_routine_policy_still_applies_per_draft(creator, assistant, camera_faq, role):
    routine, unsure = drafted(creator, "r1"), drafted(creator, "r2")
    Draft.objects.filter(id=unsure.id).update(confidence=0.1, approval_chance=0.1)
    result = drafts_bulk_approve(creator_id=creator.id, actor=Actor(role=role, user=assistant), draft_ids=[routine.id, unsure.id])
    assert result.approved == [routine.id]
    assert "chance of approval as is" in result.skipped[unsure.id]
