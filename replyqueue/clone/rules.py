"""The creator's community rules: matching a comment and turning the first decisive rule into
a triage outcome.

Words and phrases match their word forms in English and French (Snowball stems: a rule on
"grossir" catches "T'as grossi"); a topic (a rule of kind topic, or a persona's topic to avoid)
described by a few words or examples also matches paraphrases by sentence-embedding similarity
("enceinte / un bébé / pregnant" catches "Tu vas avoir un bébé ? Félicitations")."""

import logging
import re
from datetime import timedelta
from functools import lru_cache

import numpy as np
import re2
from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone.embeddings import embed_for_sorting
from replyqueue.clone.language import SUPPORTED, stems
from replyqueue.clone.models import CommunityRule, RuleAction, RuleKind
from replyqueue.clone.text import fold
from replyqueue.clone.triage import URL
from replyqueue.comments.models import Comment
from replyqueue.core.explain import Reason

MAX_PATTERN_LENGTH = 300
# A creator's pattern runs on every comment in a worker: Python's backtracking engine can take
# exponential time on patterns like ^(\w+\s?)+$, so creator-supplied patterns run on RE2, whose
# time is linear in the text. RE2 has no lookarounds or backreferences; such patterns are refused
# when saved. \w, \d and \b are ASCII in RE2 (\pL matches any letter).
PATTERN_MAX_MEMORY = 8 << 20

logger = logging.getLogger(__name__)


class PatternError(ValueError):
    pass


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> "re2._Regexp":
    """A creator's pattern compiled for RE2, case-insensitive; PatternError if RE2 cannot run it."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = PATTERN_MAX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        message = error.args[0] if error.args else error
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise PatternError(str(message)) from None


def _pattern_search(pattern: str, text: str) -> bool:
    try:
        return compile_pattern(pattern).search(text) is not None
    except PatternError as error:
        # Saved before patterns were checked with RE2: it matches nothing rather than fail triage.
        logger.warning("community rule pattern %r cannot run: %s", pattern, error)
        return False
TOPIC_SIMILARITY = 0.42  # cosine from which a comment is about a topic (a descriptor or all of them)
NEAR_MISS = 0.25  # previews list uncaught comments from this similarity up
_SEPARATORS = re.compile(r"[/,;|\n]+")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _contains_phrase(folded_text: str, phrase: str) -> bool:
    if _phrase_pattern(phrase).search(folded_text) is not None:
        return True
    for language in SUPPORTED:  # a plain loop: this runs for every rule and topic word on every comment
        phrase_stems = _phrase_stems(phrase, language)
        if phrase_stems and phrase_stems[0] in _text_stem_set(folded_text, language) and _contains_stems(
            _text_stems(folded_text, language), phrase_stems
        ):
            return True
    return False


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern:
    """The phrase folded, as a whole-word pattern (compiled once per phrase)."""
    return re.compile(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)")


@lru_cache(maxsize=2048)
def _text_stems(folded_text: str, language: str) -> list[str]:
    """Stems of a comment, kept while the same comment is checked against every rule and topic."""
    return stems(folded_text, language)


@lru_cache(maxsize=2048)
def _text_stem_set(folded_text: str, language: str) -> frozenset[str]:
    return frozenset(_text_stems(folded_text, language))


@lru_cache(maxsize=4096)
def _phrase_stems(phrase: str, language: str) -> tuple[str, ...]:
    return tuple(stems(fold(phrase), language))


def _contains_stems(text_stems: list[str], phrase_stems: tuple[str, ...]) -> bool:
    """The phrase's word forms, in order, somewhere in the text."""
    n = len(phrase_stems)
    if not n or any(len(s) < 2 for s in phrase_stems) or phrase_stems[0] not in text_stems:
        return False  # most comments lack the first word: no slicing then (every rule, every comment)
    want = list(phrase_stems)
    return any(text_stems[i : i + n] == want for i, stem in enumerate(text_stems) if stem == want[0])


def topics_from(topic: str) -> list[str]:
    """A topic written as a few words or examples: 'enceinte / un bébé / pregnant'."""
    return [part.strip() for part in _SEPARATORS.split(topic or "") if part.strip()]


@lru_cache(maxsize=512)
def _descriptor_vectors(descriptors: tuple[str, ...]) -> np.ndarray:
    """One row per descriptor, plus their normalised mean (the topic as a whole) when several."""
    vectors = embed_for_sorting(list(descriptors))
    if len(descriptors) > 1:
        centre = vectors.mean(axis=0)
        vectors = np.vstack([vectors, centre / (np.linalg.norm(centre) or 1.0)])
    return vectors


def topic_similarity(text: str, descriptors: list[str], embedding: np.ndarray | None = None) -> tuple[bool, str]:
    """Whether the text is about the topic: a descriptor's word forms in it, or a meaning close to
    one descriptor. Answers (matched, how)."""
    folded = fold(text)
    for descriptor in descriptors:
        if _contains_phrase(folded, descriptor):
            return True, Reason("words: %(words)s", words=descriptor)
    best, descriptor = best_similarity(text, descriptors, embedding)
    if best >= TOPIC_SIMILARITY:
        return True, Reason("meaning close to '%(example)s' (%(similarity).2f)", example=descriptor, similarity=best)
    return False, ""


def best_similarity(text: str, descriptors: list[str], embedding: np.ndarray | None = None) -> tuple[float, str]:
    if not descriptors:
        return 0.0, ""
    vector = embed_for_sorting([text])[0] if embedding is None else embedding
    similarities = _descriptor_vectors(tuple(descriptors)) @ vector
    best = int(np.argmax(similarities))
    return float(similarities[best]), descriptors[best] if best < len(descriptors) else " / ".join(descriptors)


def validate_rule(kind: str, value: str) -> str | None:
    """An error message for a rule that cannot work, or None."""
    if kind != RuleKind.LINK and not _lines(value):
        return gettext("Give at least one word, phrase, pattern or fan (one per line).")
    if kind == RuleKind.PATTERN:
        for line in _lines(value):
            if len(line) > MAX_PATTERN_LENGTH:
                return gettext("Patterns are limited to %(limit)s characters.") % {"limit": MAX_PATTERN_LENGTH}
            try:
                compile_pattern(line)
            except PatternError as error:
                return gettext("Invalid pattern %(pattern)s: %(error)s.") % {"pattern": repr(line), "error": error}
    return None


def rule_matches(rule: CommunityRule, text: str, fan_external_id: str, fan_name: str, embedding: np.ndarray | None = None) -> bool:
    folded = fold(text)
    if rule.kind == RuleKind.PHRASE:
        return any(_contains_phrase(folded, phrase) for phrase in _lines(rule.value))
    if rule.kind == RuleKind.TOPIC:
        descriptors = [d for line in _lines(rule.value) for d in topics_from(line)]
        return topic_similarity(text, descriptors, embedding)[0]
    if rule.kind == RuleKind.LINK:
        return URL.search(text) is not None
    if rule.kind == RuleKind.PATTERN:
        return any(_pattern_search(p, text) for p in _lines(rule.value))
    if rule.kind in (RuleKind.VIP_FAN, RuleKind.MUTED_FAN):
        fans = {fold(line).lstrip("@") for line in _lines(rule.value)}
        return fold(fan_external_id) in fans or (fan_name and fold(fan_name).lstrip("@") in fans)
    return False


def rules_for(creator_id: int) -> list[CommunityRule]:
    return list(CommunityRule.objects.filter(creator_id=creator_id, enabled=True).order_by("position", "id"))


def rule_preview(*, creator_id: int, kind: str, value: str, days: int = 7) -> dict:
    """How many of the last `days` days' comments a rule would have caught, with examples, and
    the near misses: uncaught comments closest in meaning to the rule's words (to tune it)."""
    probe = CommunityRule(creator_id=creator_id, kind=kind, value=value, action=RuleAction.LABEL)
    since = timezone.now() - timedelta(days=days)
    recent = Comment.objects.filter(creator_id=creator_id, received_at__gte=since).select_related("fan")
    descriptors = [d for line in _lines(value) for d in topics_from(line)] if kind in (RuleKind.PHRASE, RuleKind.TOPIC) else []
    caught, examples, total, misses = 0, [], 0, []
    batch: list[Comment] = []

    def check(comments: list[Comment]) -> None:
        nonlocal caught, total
        vectors = embed_for_sorting([c.text for c in comments]) if descriptors else [None] * len(comments)
        for comment, vector in zip(comments, vectors, strict=True):
            total += 1
            if rule_matches(probe, comment.text, comment.fan.external_id, comment.fan.name, embedding=vector):
                caught += 1
                if len(examples) < 5:
                    examples.append(comment.text[:200])
            elif descriptors:
                similarity, _ = best_similarity(comment.text, descriptors, vector)
                if similarity >= NEAR_MISS:
                    misses.append((similarity, comment.text[:200]))

    for comment in recent.iterator(chunk_size=1000):
        batch.append(comment)
        if len(batch) == 1000:
            check(batch)
            batch = []
    if batch:
        check(batch)
    misses.sort(key=lambda m: -m[0])
    near_misses = [{"text": text, "similarity": round(similarity, 2)} for similarity, text in misses[:5]]
    return {"caught": caught, "checked": total, "days": days, "examples": examples, "near_misses": near_misses}
