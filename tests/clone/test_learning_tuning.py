"""Choosing the per-creator learning settings by simulation on training data."""

import numpy as np

from replyqueue.clone import learning_tuning
from replyqueue.clone.learning import LearningParams
from replyqueue.clone.learning_tuning import choose
from replyqueue.clone.triage_model import CATEGORIES

THRESHOLDS = {"safety": 0.5, "no_reply_spam": 0.5, "no_reply_abuse": 0.5}


def _training(rows: int = 450, seed: int = 1):
    rng = np.random.default_rng(seed)
    categories = np.where(rng.random(rows) < 0.2, "spam", "question")
    embeddings = rng.normal(size=(rows, 512)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    probabilities = np.zeros((rows, len(CATEGORIES)))
    probabilities[np.arange(rows), [CATEGORIES.index(c) for c in categories]] = 1.0  # the trained model is right
    return categories, embeddings, probabilities, np.zeros(rows, bool)


def test_learning_stays_off_when_the_trained_model_cannot_be_beaten(monkeypatch):
    monkeypatch.setattr(learning_tuning, "SIMULATED_CREATORS", 2)  # the rule, not the sample size, is under test
    categories, embeddings, probabilities, flagged = _training()
    params, info = choose(categories, embeddings, probabilities, flagged, THRESHOLDS, seed=3, log=lambda *_: None)
    assert params == LearningParams()
    assert info["spam_f1_by_marks"]["random:200"] == info["spam_f1_trained_only"]["random"]
