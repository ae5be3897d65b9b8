"""Finding the creator's knowledge that answers a comment, through the inverted index."""

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from replyqueue.clone.models import KnowledgeItem, KnowledgeTerm, Persona
from replyqueue.clone.text import index_terms
from replyqueue.clone.triage import QUESTION

PROMPT_WEIGHT = 1.0
BODY_WEIGHT = 0.45
TYPO_MIN_SCORE = 80  # rapidfuzz ratio for a typo to count as a known word


@dataclass
class Hit:
    item: KnowledgeItem
    score: float
    coverage: float  # share of the comment's meaning (idf mass) this item matches, 0..1
    matched: list[str] = field(default_factory=list)
    item_coverage: float = 0.0  # share of the item's question (idf mass) the comment matches, 0..1


class _Vocabulary:
    """Per-process cache of each creator's distinct terms, refreshed when knowledge changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_creator: dict[int, tuple[int, list[str], set[str]]] = {}
        self._counts: dict[int, tuple[int, int]] = {}
        self._doc_freq: dict[tuple[int, int, str], int] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_creator.clear()
            self._counts.clear()
            self._doc_freq.clear()

    def doc_freq(self, creator_id: int, version: int, term: str, cap: int) -> int:
        key = (creator_id, version, term)
        if key not in self._doc_freq:
            if len(self._doc_freq) > 200_000:
                self._doc_freq.clear()
            self._doc_freq[key] = _capped_count(creator_id, term, cap)
        return self._doc_freq[key]

    def item_count(self, creator_id: int, version: int) -> int:
        cached = self._counts.get(creator_id)
        if cached and cached[0] == version:
            return cached[1]
        count = KnowledgeItem.objects.filter(creator_id=creator_id).count()
        with self._lock:
            self._counts[creator_id] = (version, count)
        return count

    def get(self, creator_id: int, version: int) -> tuple[list[str], set[str]]:
        cached = self._by_creator.get(creator_id)
        if cached and cached[0] == version:
            return cached[1], cached[2]
        terms = list(KnowledgeTerm.objects.filter(creator_id=creator_id).values_list("term", flat=True).distinct())
        with self._lock:
            self._by_creator[creator_id] = (version, terms, set(terms))
        return terms, set(terms)


vocabulary = _Vocabulary()


def resolve_terms(query_terms: list[str], creator_id: int, version: int) -> dict[str, str]:
    """Map each query term to a term the knowledge uses: itself, or its closest typo match."""
    terms, known = vocabulary.get(creator_id, version)
    resolved = {}
    for term in dict.fromkeys(query_terms):
        if term in known:
            resolved[term] = term
        elif len(term) >= 4 and terms:
            match = process.extractOne(term, terms, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_SCORE)
            if match:
                resolved[term] = match[0]
    return resolved


COMMON_SHARE = 0.02  # a term in more than 2% of the items (and at least MIN_COMMON) is common
MIN_COMMON = 2_000
CANDIDATES = 200


def _capped_count(creator_id: int, term: str, cap: int) -> int:
    """How many items hold the term, counting no further than `cap` (a bounded index scan)."""
    return KnowledgeTerm.objects.filter(creator_id=creator_id, term=term)[:cap].count()


def search(*, creator_id: int, text: str, limit: int = 5) -> list[Hit]:
    """Rank the creator's knowledge for a comment with BM25-style idf weights.

    Rare terms' postings are read whole; common terms (frequent words of this creator's corpus)
    only score the candidates the rare ones found, so the work per comment stays bounded as the
    corpus grows."""
    query_terms = index_terms(text)
    if not query_terms:
        return []
    persona = Persona.objects.filter(creator_id=creator_id).only("knowledge_version").first()
    version = persona.knowledge_version if persona else 0
    resolved = resolve_terms(query_terms, creator_id, version)
    if not resolved:
        return []
    total_items = max(vocabulary.item_count(creator_id, version), 1)
    cap = max(MIN_COMMON, int(total_items * COMMON_SHARE))
    doc_freq = {t: vocabulary.doc_freq(creator_id, version, t, cap) for t in set(resolved.values())}
    doc_freq = {t: n for t, n in doc_freq.items() if n}
    idf = {t: math.log(1 + (total_items - n + 0.5) / (n + 0.5)) for t, n in doc_freq.items()}
    # The comment's meaning: every distinct query term, unknown ones weighted like a rare term,
    # so a comment about something the knowledge never mentions scores a low coverage.
    rare = math.log(1 + (total_items - 0.5) / 1.5)  # the idf of a word found in a single item
    query_mass = sum(idf.get(resolved.get(t, ""), rare) for t in dict.fromkeys(query_terms))
    question_masses = _question_masses(text, resolved, idf, rare)

    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, list[str]] = defaultdict(list)

    def add(term: str, postings) -> None:
        for item_id, in_prompt in postings:
            scores[item_id] += idf[term] * (PROMPT_WEIGHT if in_prompt else BODY_WEIGHT)
            matched[item_id].append(term)

    by_rarity = sorted(doc_freq, key=doc_freq.get)
    rare_terms = [t for t in by_rarity if doc_freq[t] < cap] or by_rarity[:1]
    for term in rare_terms:
        add(term, KnowledgeTerm.objects.filter(creator_id=creator_id, term=term).values_list("item_id", "in_prompt")[:cap])
    candidates = [item_id for item_id, _ in sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:CANDIDATES]]
    common_terms = [t for t in by_rarity if t not in rare_terms]
    if common_terms and candidates:
        # The candidates are this creator's items already: the (item, term) index answers directly.
        postings = KnowledgeTerm.objects.filter(item_id__in=candidates, term__in=common_terms)
        for item_id, term, in_prompt in postings.values_list("item_id", "term", "in_prompt"):
            add(term, [(item_id, in_prompt)])
    best = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    items = KnowledgeItem.objects.in_bulk([item_id for item_id, _ in best])
    item_mass = _prompt_mass(creator_id, [item_id for item_id, _ in best], idf, rare)
    hits = []
    for item_id, score in best:
        if item_id not in items:
            continue
        prompt_matched = sum(idf[t] for t in set(matched[item_id]) if t in item_mass[item_id][1])
        coverage = score / query_mass
        for terms, mass in question_masses:  # a question wrapped in praise: judge the question itself
            in_question = sum(
                idf[t] * (PROMPT_WEIGHT if t in item_mass[item_id][1] else BODY_WEIGHT)
                for t in terms & set(matched[item_id])
            )
            coverage = max(coverage, in_question / mass)
        hits.append(
            Hit(
                item=items[item_id],
                score=score,
                coverage=min(coverage, 1.0),
                matched=matched[item_id],
                item_coverage=min(prompt_matched / item_mass[item_id][0], 1.0) if item_mass[item_id][0] else 0.0,
            )
        )
    return hits


_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")


def _question_masses(text: str, resolved: dict[str, str], idf: dict[str, float], rare: float) -> list[tuple[set, float]]:
    """The resolved terms and idf mass of each sentence that asks something, when the comment has
    more than one sentence."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    if len(sentences) < 2:
        return []
    masses = []
    for sentence in sentences:
        if "?" not in sentence and not QUESTION.search(sentence):
            continue
        terms = list(dict.fromkeys(index_terms(sentence)))
        if len(terms) < 2:
            continue
        masses.append(({resolved[t] for t in terms if t in resolved}, sum(idf.get(resolved.get(t, ""), rare) for t in terms)))
    return masses


def _prompt_mass(creator_id: int, item_ids: list[int], idf: dict[str, float], rare: float) -> dict:
    """Each item's question terms and their idf mass (terms the comment lacks count as rare)."""
    terms: dict[int, set[str]] = defaultdict(set)
    rows = KnowledgeTerm.objects.filter(item_id__in=item_ids, in_prompt=True)
    for item_id, term in rows.values_list("item_id", "term"):
        terms[item_id].add(term)
    return {item_id: (sum(idf.get(t, rare) for t in terms[item_id]), terms[item_id]) for item_id in item_ids}
