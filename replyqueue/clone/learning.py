"""Per-creator triage learning from people's verdicts.

TriageFeedback rows (written by the inbox's actions) say what a comment was: an explicit mark
(spam, abuse, or "not spam" = another category) or an approval (the comment deserved a reply).
For each creator a small scikit-learn model learns spam / abuse / legit from those comments'
sentence embeddings (the same vectors the trained triage uses):

- nearest neighbour: a near-copy of a marked comment takes its verdict (spam campaigns paste
  the same text again and again; a "not spam" clears the copies of a false alarm);
- a logistic regression once both sides have a few examples, blended into the trained model's
  spam / abuse / legit probabilities with a weight that grows with the number of verdicts.

Safety cases are never learned: the safety head and patterns decide before any verdict counts.
"""

import threading
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max
from sklearn.linear_model import LogisticRegression

from replyqueue.clone.embeddings import embed
from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.comments.models import Category

FILED = ("spam", "abuse")
LEGIT = "legit"  # internal only: never stored as a category
NEAR_DUPLICATE = 0.9  # cosine similarity from which a comment counts as a copy of a marked one
MIN_PER_SIDE = 2  # verdicts needed on each side (filed / legit) before the regression counts
FULL_WEIGHT_AT = 40  # verdicts at which the creator's model weighs as much as the trained one
MAX_WEIGHT = 0.75
APPROVED_AS_LEGIT = 300


def side(category: str) -> str:
    return category if category in FILED else LEGIT


@dataclass
class Verdict:
    category: str  # spam, abuse, or the category the creator gave a legit comment
    similarity: float


class CreatorModel:
    """What one creator's verdicts teach: near-copies and a small regression on embeddings."""

    def __init__(self, embeddings: np.ndarray, categories: list[str]) -> None:
        self.embeddings = np.asarray(embeddings, dtype=np.float32).reshape(len(categories), -1) if categories else np.zeros((0, 512), np.float32)
        self.categories = list(categories)
        self.sides = [side(c) for c in categories]
        self.regression: LogisticRegression | None = None
        counts = {s: self.sides.count(s) for s in set(self.sides)}
        filed = sum(counts.get(s, 0) for s in FILED)
        if counts.get(LEGIT, 0) >= MIN_PER_SIDE and filed >= MIN_PER_SIDE:
            self.regression = LogisticRegression(C=1.0, class_weight="balanced", max_iter=500).fit(self.embeddings, self.sides)

    @classmethod
    def fit(cls, labelled: list[tuple[str, str]]) -> "CreatorModel":
        texts = [t for t, _ in labelled]
        return cls(embed(texts) if texts else np.zeros((0, 512), np.float32), [c for _, c in labelled])

    def __len__(self) -> int:
        return len(self.categories)

    @property
    def weight(self) -> float:
        return min(MAX_WEIGHT, len(self) / FULL_WEIGHT_AT) if self.regression is not None else 0.0

    def near_duplicate(self, embedding: np.ndarray) -> Verdict | None:
        if not len(self):
            return None
        similarities = self.embeddings @ np.asarray(embedding, dtype=np.float32).ravel()
        best = int(np.argmax(similarities))
        if similarities[best] >= NEAR_DUPLICATE:
            return Verdict(self.categories[best], float(similarities[best]))
        return None

    def local_probabilities(self, embeddings: np.ndarray) -> list[dict[str, float] | None]:
        """The regression's spam / abuse / legit view of a batch (None per row without one)."""
        if self.regression is None:
            return [None] * len(embeddings)
        rows = self.regression.predict_proba(np.asarray(embeddings).reshape(len(embeddings), -1))
        return [dict(zip(self.regression.classes_, row.tolist(), strict=True)) for row in rows]

    def adjust(self, probabilities: dict[str, float], embedding: np.ndarray, local: dict | None = None) -> tuple[dict[str, float], str, str]:
        """The trained model's category probabilities moved by this creator's verdicts, the
        category of a marked comment this one copies (or ""), and a reason (or "")."""
        if copy := self.near_duplicate(embedding):
            moved = dict.fromkeys(probabilities, 0.0)
            moved[copy.category if copy.category in probabilities else Category.OTHER] = 1.0
            if copy.category not in FILED:  # a cleared copy keeps the trained view of what it is, minus spam/abuse
                legit = {c: p for c, p in probabilities.items() if c not in FILED}
                total = sum(legit.values()) or 1.0
                moved = {c: legit.get(c, 0.0) / total for c in probabilities}
            return moved, copy.category, f"like a comment you marked {copy.category} ({copy.similarity:.0%} similar)"
        if self.regression is None:
            return probabilities, "", ""
        if local is None:
            local = self.local_probabilities(embedding.reshape(1, -1))[0]
        w = self.weight
        moved = dict(probabilities)
        legit_before = sum(p for c, p in probabilities.items() if c not in FILED) or 1e-9
        legit_after = (1 - w) * legit_before + w * local.get(LEGIT, 0.0)
        for c in probabilities:
            if c in FILED:
                moved[c] = (1 - w) * probabilities[c] + w * local.get(c, 0.0)
            else:
                moved[c] = probabilities[c] * legit_after / legit_before
        changed = max(moved, key=moved.get) != max(probabilities, key=probabilities.get)
        return moved, "", (f"your {len(self)} verdicts weigh {w:.0%}" if changed else "")


EMPTY = CreatorModel(np.zeros((0, 512), np.float32), [])


class _Models:
    """Per-process cache of each creator's model, rebuilt when their feedback changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple, CreatorModel]] = {}

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def for_creator(self, creator_id: int) -> CreatorModel:
        rows = TriageFeedback.objects.filter(creator_id=creator_id)
        stamp = tuple(rows.aggregate(n=Count("id"), last=Max("id"), changed=Max("created_at")).values())
        cached = self._cache.get(creator_id)
        if cached and cached[0] == stamp:
            return cached[1]
        if not stamp[0]:
            model = EMPTY
        else:
            # Explicit marks, plus the comments someone approved a reply to: those deserved one.
            marks = list(rows.filter(source=TriageFeedbackSource.MARK).values_list("comment__text", "category"))
            approved = rows.filter(source=TriageFeedbackSource.APPROVAL).order_by("-id")
            marks += list(approved.values_list("comment__text", "category")[:APPROVED_AS_LEGIT])
            model = CreatorModel.fit(marks)
        with self._lock:
            self._cache[creator_id] = (stamp, model)
        return model


learned_models = _Models()
