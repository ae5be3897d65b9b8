"""Per-creator triage learning from people's verdicts (spam / not spam, abuse / fine ...).

A small multinomial naive Bayes over the normalised terms plus a near-duplicate check: spam
campaigns paste the same text again and again, so one verdict catches the next copies.
"""

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from replyqueue.clone.text import fold, words

MIN_EXAMPLES = 4
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
        return sum(self.class_counts.values()) >= MIN_EXAMPLES and len(self.class_counts) >= 2

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
        from django.db.models import Count, Max

        from replyqueue.clone.models import TriageFeedback

        rows = TriageFeedback.objects.filter(creator_id=creator_id)
        stamp = tuple(rows.aggregate(n=Count("id"), last=Max("id")).values())
        cached = self._cache.get(creator_id)
        if cached and cached[0] == stamp:
            return cached[1]
        model = LearnedTriage.fit(list(rows.values_list("comment__text", "category")))
        with self._lock:
            self._cache[creator_id] = (stamp, model)
        return model


learned_models = _Models()
