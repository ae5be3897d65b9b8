"""Per-creator triage learning from people's verdicts (spam / not spam, abuse / fine ...).

A small multinomial naive Bayes over the normalised terms plus a near-duplicate check: spam
campaigns paste the same text again and again, so one verdict catches the next copies.
"""

import json
import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max

from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.clone.text import fold, words

MIN_EXAMPLES = 4
MIN_PER_CLASS = 5
APPROVED_AS_FINE = 300
NEAR_DUPLICATE = 0.8
CONFIDENT = 0.9


def features(text: str) -> list[str]:
    tokens = words(text)
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


@dataclass
class Verdict:
    category: str
    probability: float
    reason: str


@dataclass
class LearnedTriage:
    term_counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    class_counts: Counter = field(default_factory=Counter)
    examples: list[tuple[set[str], str]] = field(default_factory=list)
    vocabulary: set[str] = field(default_factory=set)
    require_balance: bool = True  # creators' verdicts: yes; the curated seed set: no

    @classmethod
    def fit(cls, labelled: list[tuple[str, str]]) -> "LearnedTriage":
        model = cls()
        for text, category in labelled:
            terms = features(text)
            model.term_counts[category].update(terms)
            model.class_counts[category] += 1
            model.vocabulary.update(terms)
            model.examples.append((set(words(fold(text))), category))
        return model

    @property
    def trained(self) -> bool:
        """Enough verdicts on both sides (spam/abuse and fine) for the statistics to mean something:
        a creator who only ever marks spam would otherwise teach it that everything is spam."""
        if len(self.class_counts) < 2 or sum(self.class_counts.values()) < MIN_EXAMPLES:
            return False
        if not self.require_balance:
            return True
        smallest = min(self.class_counts.values())
        has_fine = any(c not in ("spam", "abuse") and n >= MIN_PER_CLASS for c, n in self.class_counts.items())
        return has_fine and smallest >= MIN_PER_CLASS

    def near_duplicate(self, text: str) -> Verdict | None:
        tokens = set(words(fold(text)))
        if len(tokens) < 3:
            return None
        for example, category in self.examples:
            overlap = len(tokens & example) / len(tokens | example)
            if overlap >= NEAR_DUPLICATE:
                return Verdict(category, 1.0, f"like a comment you marked {category} ({overlap:.0%} the same words)")
        return None

    def predict(self, text: str) -> Verdict | None:
        if duplicate := self.near_duplicate(text):
            return duplicate
        if not self.trained:
            return None
        terms = features(text)
        total = sum(self.class_counts.values())
        size = len(self.vocabulary) + 1
        scores = {}
        for category, count in self.class_counts.items():
            counts = self.term_counts[category]
            denominator = sum(counts.values()) + size
            scores[category] = math.log(count / total) + sum(math.log((counts[t] + 1) / denominator) for t in terms)
        best = max(scores, key=scores.get)
        norm = max(scores.values())
        probability = math.exp(scores[best] - norm) / sum(math.exp(s - norm) for s in scores.values())
        return Verdict(best, probability, f"learned from your verdicts ({probability:.0%})")


class _Models:
    """Per-process cache of each creator's model, rebuilt when their feedback changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple, LearnedTriage]] = {}

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def for_creator(self, creator_id: int) -> LearnedTriage:
        rows = TriageFeedback.objects.filter(creator_id=creator_id)
        stamp = tuple(rows.aggregate(n=Count("id"), last=Max("id"), changed=Max("created_at")).values())
        cached = self._cache.get(creator_id)
        if cached and cached[0] == stamp:
            return cached[1]
        # Explicit verdicts, plus the comments someone approved a reply to: those deserved a reply.
        marks = list(rows.filter(source=TriageFeedbackSource.MARK).values_list("comment__text", "category"))
        approved = rows.filter(source=TriageFeedbackSource.APPROVAL).order_by("-id")
        fine = approved.values_list("comment__text", flat=True)[:APPROVED_AS_FINE]
        model = LearnedTriage.fit(marks + [(text, "fine") for text in fine])
        with self._lock:
            self._cache[creator_id] = (stamp, model)
        return model


learned_models = _Models()


# Training data only: evaluation sets (datasets/triage_fresh.jsonl) are never learned from.
SEED_DATASET = Path(__file__).resolve().parents[2] / "datasets" / "triage_train.jsonl"
SEED_SENSITIVE_THRESHOLD = 0.9
_seed_lock = threading.Lock()
_seed_model: LearnedTriage | None = None


def seed_sensitive_model() -> LearnedTriage | None:
    """A sensitive / fine model trained once per process on the labelled set kept in the repo: a
    second opinion where the sensitive rules miss a phrasing they have never seen."""
    global _seed_model
    if _seed_model is None:
        if not SEED_DATASET.exists():
            raise ImproperlyConfigured(f"The triage training set {SEED_DATASET} is missing: triage cannot run without it.")
        with _seed_lock:
            cases = [json.loads(line) for line in SEED_DATASET.read_text().splitlines() if line.strip()]
            model = LearnedTriage.fit(
                [(c["text"], "sensitive" if c["category"] == "sensitive" else "fine") for c in cases]
            )
            model.require_balance = False
            _seed_model = model
    return _seed_model


def possibly_sensitive(text: str) -> float | None:
    """The seed model's probability that the comment is sensitive, when it is above threshold."""
    model = seed_sensitive_model()
    if model is None:
        return None
    verdict = model.predict(text)
    if verdict and verdict.category == "sensitive" and verdict.probability >= SEED_SENSITIVE_THRESHOLD:
        return verdict.probability
    return None
