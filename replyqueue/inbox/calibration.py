"""What a draft's confidence means for this creator: the chance it is approved as it is.

The clone's confidence is its own estimate (how close the comment is to what the creator said).
Each creator's decisions on the clone's drafts (approved as is: yes; edited or rejected: no) are
fitted with a logistic curve over that confidence, once there are enough of both; before that
the clone's estimate stands. A draft is routine (an assistant may approve it) only when its
chance of approval as is reaches ROUTINE_CHANCE.
"""

import threading

from django.db.models import Count, Max

from replyqueue.clone.calibration import Calibration, fit
from replyqueue.inbox.models import Decision, DecisionAction

ROUTINE_CHANCE = 0.95
RECENT = 2_000
JUDGED = (DecisionAction.APPROVE, DecisionAction.EDIT_APPROVE, DecisionAction.REJECT)


def judged_drafts(creator_id: int):
    return Decision.objects.filter(
        creator_id=creator_id, action__in=JUDGED, draft__comment__isnull=False
    ).exclude(draft__drafter="creator")


class _Calibrations:
    """Per-process cache of each creator's curve, refitted when they decide again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_creator: dict[int, tuple[tuple, Calibration]] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_creator.clear()

    def for_creator(self, creator_id: int) -> Calibration:
        decisions = judged_drafts(creator_id)
        stamp = tuple(decisions.aggregate(n=Count("id"), last=Max("id")).values())
        cached = self._by_creator.get(creator_id)
        if cached and cached[0] == stamp:
            return cached[1]
        rows = decisions.order_by("-id").values_list("draft__confidence", "action")[:RECENT]
        calibration = fit([(confidence, action == DecisionAction.APPROVE) for confidence, action in rows])
        with self._lock:
            self._by_creator[creator_id] = (stamp, calibration)
        return calibration


calibrations = _Calibrations()


def approval_chance(creator_id: int, confidence: float) -> float:
    return calibrations.for_creator(creator_id).chance(confidence)
