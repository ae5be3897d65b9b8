"""Turning the clone's confidence into a chance of approval as is: a logistic curve fitted on
(confidence, approved as is) pairs, once there are enough of both outcomes. The inbox fits it
per creator on their decisions; the evaluation fits it on a benchmark's dev split.

The curve is scikit-learn's LogisticRegression(C=10) on one feature, fitted here by Newton's
method: the worker that fits it while drafting never imports scikit-learn (65 MB of its 500 MB).
tests/inbox/test_calibration.py checks that both find the same curve."""

from dataclasses import dataclass

import numpy as np

MIN_DECISIONS = 20
MIN_PER_OUTCOME = 5
INVERSE_PENALTY = 10.0  # scikit-learn's C: the log-loss weighs C times the slope's 1/2 w^2 penalty


@dataclass(frozen=True)
class Calibration:
    decisions: int  # how many decisions it rests on (0: the clone's own estimate)
    slope: float = 0.0
    intercept: float = 0.0

    def chance(self, confidence: float) -> float:
        if not self.decisions:
            return round(confidence, 3)
        return round(1.0 / (1.0 + np.exp(-(self.slope * confidence + self.intercept))), 3)


def fit(pairs: list[tuple[float, bool]]) -> Calibration:
    approved = sum(1 for _, ok in pairs if ok)
    if len(pairs) < MIN_DECISIONS or min(approved, len(pairs) - approved) < MIN_PER_OUTCOME:
        return Calibration(decisions=0)
    x = np.array([c for c, _ in pairs], dtype=np.float64)
    y = np.array([float(ok) for _, ok in pairs])
    slope, intercept = logistic_curve(x, y)
    return Calibration(decisions=len(pairs), slope=slope, intercept=intercept)


def _penalised_loss(x: np.ndarray, y: np.ndarray, slope: float, intercept: float) -> float:
    z = slope * x + intercept
    return INVERSE_PENALTY * float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * slope * slope


def logistic_curve(x: np.ndarray, y: np.ndarray, steps: int = 100) -> tuple[float, float]:
    """Slope and intercept minimising C times the log-loss plus 1/2 slope^2 (the intercept is not
    penalised): Newton steps, each halved until the loss falls (the loss is convex)."""
    slope = intercept = 0.0
    loss = _penalised_loss(x, y, slope, intercept)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(slope * x + intercept)))
        weight = INVERSE_PENALTY * p * (1.0 - p)
        gradient = np.array([INVERSE_PENALTY * np.sum((p - y) * x) + slope, INVERSE_PENALTY * np.sum(p - y)])
        hessian = np.array([[np.sum(weight * x * x) + 1.0, np.sum(weight * x)], [np.sum(weight * x), np.sum(weight) + 1e-12]])
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while (trial := _penalised_loss(x, y, slope - scale * step[0], intercept - scale * step[1])) > loss:
            scale /= 2
            if scale < 1e-6:  # no step lowers the loss: this is the minimum
                return float(slope), float(intercept)
        slope, intercept, loss = slope - scale * step[0], intercept - scale * step[1], trial
        if np.max(np.abs(scale * step)) < 1e-10:
            break
    return float(slope), float(intercept)
