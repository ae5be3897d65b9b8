"""The trained triage models: one artifact, trained by `manage.py train_triage`, loaded once per
process.

Features: the multilingual sentence embedding (embeddings.embed, 512-d) next to a character
n-gram TF-IDF of the normalised text (invisible characters removed, look-alike letters folded,
spelled-out letters joined, leetspeak undone), so meaning and obfuscated spellings both count.

Two heads share the features:
- the category head: the 10 comment categories (logistic regression);
- the safety head: none / threat / doxxing / harassment / self_harm / crisis / minor_at_risk.
  A comment is a safety case when the mean of 1 - P(none) and the category head's
  P(threat) + P(sensitive) reaches a threshold chosen by cross-validation on the training data
  for recall.

The thresholds live in the artifact with the cross-validated figures that chose them. A missing
artifact is an error at first use: triage never silently runs without its model.
"""

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from scipy import sparse

from replyqueue.clone.embeddings import embed
from replyqueue.clone.text import deleet, fold, unspace
from replyqueue.comments.models import Category

ARTIFACT = Path(__file__).resolve().parent / "models" / "triage.joblib"
FORMAT = 1
CATEGORIES = [c.value for c in Category]
SAFETY_KINDS = ["none", "threat", "doxxing", "harassment", "self_harm", "crisis", "minor_at_risk"]
EMBEDDING_WEIGHT = 1.0  # the embedding block next to the TF-IDF block (each row has unit norm)
MARKUP = re.compile(r"</?[a-z][^>]{0,80}>|\*\*|__", re.I)


def normalised(text: str) -> str:
    """What the character n-grams see: 'c h e c k  m y  c h a n n 3 l' -> 'check my channel'."""
    return deleet(unspace(fold(MARKUP.sub(" ", text or ""))))


def safety_scores(categories: np.ndarray, safety: np.ndarray) -> np.ndarray:
    """How much a comment looks like a safety case: the mean of the safety head's 1 - P(none) and
    the category head's P(threat) + P(sensitive). Two heads must lean the same way, which halves
    the false alarms of the safety head alone at the same recall (cross-validation on training)."""
    concern = categories[:, CATEGORIES.index("threat")] + categories[:, CATEGORIES.index("sensitive")]
    return (1.0 - safety[:, 0] + concern) / 2


@dataclass
class Scores:
    """The models' view of a batch of comments (row i is comment i)."""

    embeddings: np.ndarray  # L2-normalised, reused by per-creator learning and topic matching
    categories: np.ndarray  # P(category), columns in CATEGORIES order
    safety: np.ndarray  # P(safety kind), columns in SAFETY_KINDS order

    def category_probabilities(self, i: int) -> dict[str, float]:
        return dict(zip(CATEGORIES, self.categories[i].tolist(), strict=True))

    def safety_score(self, i: int) -> float:
        return float(safety_scores(self.categories[i : i + 1], self.safety[i : i + 1])[0])

    def safety_kind(self, i: int) -> str:
        return SAFETY_KINDS[1 + int(np.argmax(self.safety[i, 1:]))]


class TriageModel:
    def __init__(self, payload: dict) -> None:
        if payload.get("format") != FORMAT:
            raise ImproperlyConfigured("The triage model artifact has an unknown format: run `manage.py train_triage`.")
        self.vectorizer = payload["vectorizer"]
        self.category_head = payload["category_head"]
        self.safety_head = payload["safety_head"]
        self.thresholds: dict[str, float] = payload["thresholds"]
        self.info: dict = payload.get("info", {})
        self.learning: dict = payload.get("learning", {})  # per-creator learning settings (learning.py)
        self._category_order = [list(self.category_head.classes_).index(c) for c in CATEGORIES]
        self._safety_order = [list(self.safety_head.classes_).index(s) for s in SAFETY_KINDS]

    def features(self, texts: list[str], embeddings: np.ndarray | None = None):
        if embeddings is None:
            embeddings = embed(texts)
        grams = self.vectorizer.transform([normalised(t) for t in texts])
        return sparse.hstack([sparse.csr_matrix(embeddings * EMBEDDING_WEIGHT), grams], format="csr"), embeddings

    def score(self, texts: list[str], embeddings: np.ndarray | None = None) -> Scores:
        matrix, embeddings = self.features(texts, embeddings)
        categories = self.category_head.predict_proba(matrix)[:, self._category_order]
        safety = self.safety_head.predict_proba(matrix)[:, self._safety_order]
        return Scores(embeddings=embeddings, categories=categories, safety=safety)


_lock = threading.Lock()
_loaded: TriageModel | None = None


def get_model() -> TriageModel:
    """The process's triage model, loaded once from the committed artifact."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                if not ARTIFACT.exists():
                    raise ImproperlyConfigured(
                        f"The triage model {ARTIFACT} is missing: run `python manage.py train_triage` (triage cannot run without it)."
                    )
                import joblib

                _loaded = TriageModel(joblib.load(ARTIFACT))
    return _loaded


def reset_model() -> None:
    global _loaded
    with _lock:
        _loaded = None
