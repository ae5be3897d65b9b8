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


def _blind_spot(rows: int = 450, seed: int = 1):
    """Spam and legit comments apart in meaning; the trained model is right on them, except in the
    "new content" world, where it calls the spam a question (it never saw spam like it)."""
    rng = np.random.default_rng(seed)
    categories = np.where(rng.random(rows) < 0.2, "spam", "question")
    centres = rng.normal(size=(2, 512))
    embeddings = centres[(categories == "spam").astype(int)] + rng.normal(scale=1.2, size=(rows, 512))
    embeddings = (embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)).astype(np.float32)
    right = np.zeros((rows, len(CATEGORIES)))
    right[np.arange(rows), [CATEGORIES.index(c) for c in categories]] = 1.0
    blind = right.copy()
    spam = categories == "spam"
    blind[spam] = 0.0
    blind[spam, CATEGORIES.index("question")], blind[spam, CATEGORIES.index("spam")] = 0.7, 0.3
    return categories, embeddings, right, blind, rng.integers(0, 6, rows), np.zeros(rows, bool)


# The layer alone raises P(spam) to just below the no_reply threshold: above the 0.7 of a question here.
LAYER_THRESHOLDS = {"safety": 0.5, "no_reply_spam": 0.8, "no_reply_abuse": 0.8}


def test_the_neighbour_layer_is_fitted_where_marks_are_new_information(monkeypatch):
    monkeypatch.setattr(learning_tuning, "NEIGHBOUR_CREATORS", 4)
    categories, embeddings, right, blind, clusters, flagged = _blind_spot()
    params, info = learning_tuning.choose_neighbour_layer(
        categories, embeddings, right, blind, clusters, flagged, LAYER_THRESHOLDS, LearningParams(), seed=3, log=lambda *_: None
    )
    assert params.neighbour_gain > 0
    chosen = info["candidates"][next(k for k, v in info["candidates"].items() if v["gain"] == params.neighbour_gain)]
    assert chosen["qualifies"] and chosen["mean_gain_new_content"] > 0
    assert info["spam_f1_before"]["new_content-random"]["random:0"] < 1.0


def test_the_neighbour_layer_stays_off_when_marks_teach_nothing(monkeypatch):
    monkeypatch.setattr(learning_tuning, "NEIGHBOUR_CREATORS", 4)
    categories, embeddings, right, _, clusters, flagged = _blind_spot()
    params, info = learning_tuning.choose_neighbour_layer(
        categories, embeddings, right, right, clusters, flagged, LAYER_THRESHOLDS, LearningParams(), seed=3, log=lambda *_: None
    )
    assert (params.neighbour_gain, params.neighbour_loss) == (0.0, 0.0)
    assert not any(v["qualifies"] and v["mean_gain_new_content"] > 0 for v in info["candidates"].values())
