"""Turning the clone's confidence into a chance of approval as is: a logistic curve fitted on
(confidence, approved as is) pairs, once there are enough of both outcomes. The inbox fits it
per creator on their decisions; the evaluation fits it on a benchmark's dev split."""

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

MIN_DECISIONS = 20
MIN_PER_OUTCOME = 5


@dataclass(frozen=True)
class Calibration:
    decisions: int  # how many decisions it rests on (0: the clone's own estimate)
    model: LogisticRegression | None = None

    def chance(self, confidence: float) -> float:
        if self.model is None:
            return round(confidence, 3)
        return round(float(self.model.predict_proba(np.array([[confidence]]))[0, 1]), 3)


def fit(pairs: list[tuple[float, bool]]) -> Calibration:
    approved = sum(1 for _, ok in pairs if ok)
    if len(pairs) < MIN_DECISIONS or min(approved, len(pairs) - approved) < MIN_PER_OUTCOME:
        return Calibration(decisions=0)
    x = np.array([[c] for c, _ in pairs])
    y = np.array([int(ok) for _, ok in pairs])
    return Calibration(decisions=len(pairs), model=LogisticRegression(C=10.0).fit(x, y))


