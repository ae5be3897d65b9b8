"""A draft's confidence means the chance it is approved as it is, learned from the creator's decisions."""

import numpy as np
import pytest

from replyqueue.clone.calibration import MIN_DECISIONS, fit
from replyqueue.inbox.actions import Actor, draft_approve, draft_reject
from replyqueue.inbox.calibration import approval_chance, calibrations
from replyqueue.inbox.models import Draft
from replyqueue.inbox.policy import routine_refusal
from tests.factories import drafted


def test_before_any_decision_the_clones_own_estimate_stands(creator):
    assert approval_chance(creator.id, 0.83) == 0.83


def test_the_curve_follows_what_the_creator_actually_approved():
    # The creator approves nearly everything above 0.7 as is and edits or rejects what is below.
    pairs = [(c / 100, c >= 70) for c in range(40, 100)] * 2
    calibration = fit(pairs)
    assert calibration.decisions == len(pairs)
    assert calibration.chance(0.95) > 0.95
    assert calibration.chance(0.5) < 0.1


def test_too_few_decisions_or_only_one_kind_keep_the_clones_estimate():
    assert fit([(0.9, True)] * (MIN_DECISIONS - 1)).decisions == 0
    assert fit([(0.9, True)] * 100).decisions == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_curve_is_the_one_scikit_learn_fits(seed):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    confidences = rng.uniform(0.2, 1.0, 300)
    approved = rng.uniform(size=300) < confidences**3
    ours = fit(list(zip(confidences.tolist(), approved.tolist(), strict=True)))
    theirs = LogisticRegression(C=10.0, tol=1e-10, max_iter=10_000).fit(confidences[:, None], approved)
    for confidence in (0.1, 0.4, 0.7, 0.95):
        assert ours.chance(confidence) == pytest.approx(theirs.predict_proba([[confidence]])[0, 1], abs=2e-3)


def test_a_curve_on_outcomes_split_cleanly_by_confidence_stays_finite():
    calibration = fit([(c / 100, c >= 70) for c in range(0, 100)])
    assert calibration.chance(0.69) < 0.5 < calibration.chance(0.71)
    assert np.isfinite([calibration.slope, calibration.intercept]).all()


def test_a_creator_who_edits_confident_drafts_lowers_their_chance(creator, owner, camera_faq):
    calibrations.clear()
    actor = Actor(role="owner", user=owner)
    drafts = [drafted(creator, f"c{n}") for n in range(24)]  # all drafted before anyone decides
    for draft in drafts[:6]:
        draft_approve(draft=draft, actor=actor)
    for n, draft in enumerate(drafts[6:15]):
        draft_approve(draft=draft, actor=actor, text=f"{draft.text} (edited {n})")
    for draft in drafts[15:]:
        draft_reject(draft=draft, actor=actor)
    confidence = Draft.objects.filter(comment__isnull=False).first().confidence
    assert confidence > 0.5
    assert abs(approval_chance(creator.id, confidence) - 6 / 24) < 0.1


def test_a_draft_is_routine_only_from_a_95_percent_chance(creator, camera_faq):
    draft = drafted(creator)
    Draft.objects.filter(id=draft.id).update(approval_chance=0.94)
    draft.refresh_from_db()
    assert "94% chance of approval as is" in routine_refusal(draft)
    Draft.objects.filter(id=draft.id).update(approval_chance=0.96)
    draft.refresh_from_db()
    assert routine_refusal(draft) is None
