"""A public intent benchmark taught to the clone as a creator's knowledge would be.

Input: JSONL files of labelled utterances, one per language, `{"id", "intent", "utt", "lang"}`,
where the same `id` is the same utterance in each language (MASSIVE is built that way). MASSIVE
1.1 en-US and fr-FR ship in datasets/massive/ (CC BY 4.0, evaluation only; its README.md is the
datasheet); figures in docs/measurements.md.

Protocol (fixed seed):
- KNOWN intents are taught with one FAQ (question: one utterance) and five past replies (the fan
  comments: five more utterances), all answered with the same text, in each language;
- HELD_OUT intents are taught nothing: their questions must be abstained on;
- the remaining utterances are questions, split by id into dev (even) and test (odd); the
  abstention threshold is chosen on dev (the lowest that abstains on >= 60 % of dev's
  unanswerable questions), then every figure is read on test.
Every question also goes through triage as a comment would: `right_through_triage` counts only
the right sources of questions triage lets the clone draft (a safety call sends a comment to the
owner with no draft), the figure a benchmark pushed through the API would read.
Settings: English (EN knowledge, EN questions), French (FR/FR), and across (FR questions
against EN knowledge only). The grounded drafter answers, with its language rule, so "across"
measures retrieval (right source found) and the drafter abstains from answering in English.
"""

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accounts.models import Creator
from replyqueue.clone.drafters.grounded import confidence_from, prefer_language
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.language import detect_language
from replyqueue.clone.retrieval import search
from replyqueue.clone.triage_pipeline import triage_comments

KNOWN, HELD_OUT = 40, 15
TEACHING = 6  # one FAQ and five past replies
QUESTIONS_PER_INTENT = 12  # per split
ANSWERS = {"en": "Answer about {intent}.", "fr": "Réponse sur {intent}."}
TARGET_ABSTENTION = 0.60


@dataclass
class Question:
    text: str
    intent: str  # "" when unanswerable
    lang: str
    split: str


@dataclass
class Benchmark:
    known: list[str]
    held_out: list[str]
    teaching: dict[str, list[str]]  # intent -> ids used as knowledge
    learning: dict[str, list[str]]  # intent -> ids kept for simulated approvals
    questions: list[Question] = field(default_factory=list)


def load(paths: list[Path]) -> dict[str, dict[str, dict]]:
    """lang -> id -> row"""
    rows: dict[str, dict[str, dict]] = defaultdict(dict)
    for path in paths:
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["lang"]][str(row["id"])] = row
    return rows


def build(
    rows: dict[str, dict[str, dict]], seed: int = 0, known_count: int = KNOWN, held_out_count: int = HELD_OUT,
    per_intent: int = QUESTIONS_PER_INTENT,
) -> Benchmark:
    shared = set.intersection(*(set(by_id) for by_id in rows.values()))
    first = next(iter(rows.values()))
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row_id in sorted(shared, key=int):
        by_intent[first[row_id]["intent"]].append(row_id)
    needed = TEACHING + 2 * per_intent + 4
    eligible = sorted(i for i, ids in by_intent.items() if len(ids) >= needed)
    rng = random.Random(seed)
    rng.shuffle(eligible)
    known, held_out = eligible[:known_count], eligible[known_count : known_count + held_out_count]
    bench = Benchmark(known=known, held_out=held_out, teaching={}, learning={})
    for intent in known + held_out:
        ids = by_intent[intent][:]
        rng.shuffle(ids)
        if intent in known:
            bench.teaching[intent], ids = ids[:TEACHING], ids[TEACHING:]
        even = [i for i in ids if int(i) % 2 == 0][:per_intent]
        odd = [i for i in ids if int(i) % 2 == 1][:per_intent]
        bench.learning[intent] = [i for i in ids if i not in even and i not in odd]
        for lang, by_id in rows.items():
            for split, chosen in (("dev", even), ("test", odd)):
                for row_id in chosen:
                    bench.questions.append(Question(by_id[row_id]["utt"], intent if intent in known else "", lang, split))
    return bench


def teach(creator: Creator, bench: Benchmark, rows: dict[str, dict[str, dict]], langs: list[str]) -> dict[int, str]:
    """Store the knowledge; answer item id -> intent."""
    items = []
    for intent in bench.known:
        for lang in langs:
            answer = ANSWERS[lang].format(intent=intent.replace("_", " "))
            ids = bench.teaching[intent]
            items.append(KnowledgeInput("faq", rows[lang][ids[0]]["utt"], answer))
            items += [KnowledgeInput("reply", rows[lang][i]["utt"], answer) for i in ids[1:]]
    return {item.id: _intent_of(item.body) for item in knowledge_add(creator=creator, items=items, origin="evaluation")}


def learn(creator: Creator, bench: Benchmark, rows: dict[str, dict[str, dict]], langs: list[str], approvals: int) -> dict[int, str]:
    """`approvals` edited approvals (a fan's comment answered with the right answer), spread over
    the known intents, as the inbox's learning stores them."""
    items = []
    for n in range(approvals):
        intent = bench.known[n % len(bench.known)]
        pool = bench.learning[intent]
        row_id = pool[(n // len(bench.known)) % len(pool)]
        lang = langs[n % len(langs)]
        items.append(KnowledgeInput("reply", rows[lang][row_id]["utt"], ANSWERS[lang].format(intent=intent.replace("_", " "))))
    stored = knowledge_add(creator=creator, items=items, origin="evaluation")
    return {item.id: _intent_of(item.body) for item in stored}


def _intent_of(answer: str) -> str:
    return answer.split(" ", 2)[-1].rstrip(".").replace(" ", "_")


@dataclass
class Scored:
    question: Question
    confidence: float
    predicted: str  # intent of the best source
    same_language: bool
    drafted: bool = True  # triage lets the comment be drafted (not sent to the owner or filed)


def drafted_by_triage(questions: list[Question]) -> list[bool]:
    """Whether triage lets the clone draft each question, taken as a fan's comment."""
    return [triage.outcome == "draft" for triage in triage_comments([{"text": question.text} for question in questions])]


def score(creator: Creator, questions: list[Question], intent_of: dict[int, str], drafted: list[bool]) -> list[Scored]:
    """`drafted`: drafted_by_triage(questions), computed once (it does not depend on the knowledge)."""
    scored = []
    for question, may_draft in zip(questions, drafted, strict=True):
        hits = search(creator_id=creator.id, text=question.text, limit=8)
        if not hits:
            scored.append(Scored(question, 0.0, "", True, may_draft))
            continue
        best = prefer_language(hits, detect_language(question.text) or question.lang)
        scored.append(Scored(
            question, confidence_from(hits), intent_of.get(best.item.id, ""), best.item.language == question.lang, may_draft
        ))
    return scored


@dataclass
class Result:
    right: float
    wrong: float
    abstained_unanswerable: float
    threshold: float
    n_answerable: int
    n_unanswerable: int
    right_through_triage: float = 0.0  # right source on comments triage lets the clone draft


def choose_threshold(dev: list[Scored]) -> float:
    unanswerable = sorted(s.confidence for s in dev if not s.question.intent)
    if not unanswerable:
        return 0.0
    return float(np.quantile(unanswerable, TARGET_ABSTENTION)) + 1e-6


def result(test: list[Scored], threshold: float) -> Result:
    answerable = [s for s in test if s.question.intent]
    unanswerable = [s for s in test if not s.question.intent]
    answered = [s for s in answerable if s.confidence >= threshold]
    right = sum(1 for s in answered if s.predicted == s.question.intent)
    right_through_triage = sum(1 for s in answered if s.predicted == s.question.intent and s.drafted)
    return Result(
        right=right / max(len(answerable), 1),
        wrong=(len(answered) - right) / max(len(answerable), 1),
        abstained_unanswerable=sum(1 for s in unanswerable if s.confidence < threshold) / max(len(unanswerable), 1),
        threshold=threshold,
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
        right_through_triage=right_through_triage / max(len(answerable), 1),
    )


def reliability(scored: list[Scored], bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean confidence, share right, count) per confidence bin, over answered answerable questions."""
    rows = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [s for s in scored if s.question.intent and low <= s.confidence < high + (1e-9 if b == bins - 1 else 0)]
        if inside:
            rows.append((
                sum(s.confidence for s in inside) / len(inside),
                sum(1 for s in inside if s.predicted == s.question.intent) / len(inside),
                len(inside),
            ))
    return rows


def reliability_svg(curves: dict[str, list[tuple[float, float, int]]], title: str) -> str:
    """A reliability diagram: predicted confidence (x) against the share that was right (y)."""
    size, pad = 360, 40
    colours = ["#1f6feb", "#d1242f", "#1a7f37"]

    def xy(x: float, y: float) -> str:
        return f"{pad + x * (size - 2 * pad):.1f},{size - pad - y * (size - 2 * pad):.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 40}" font-family="sans-serif" font-size="11">',
        f'<text x="{pad}" y="16" font-size="13">{title}</text>',
        f'<rect x="{pad}" y="{pad}" width="{size - 2 * pad}" height="{size - 2 * pad}" fill="none" stroke="#999"/>',
        f'<polyline points="{xy(0, 0)} {xy(1, 1)}" stroke="#bbb" stroke-dasharray="4" fill="none"/>',
        f'<text x="{size / 2 - 40}" y="{size - 8}">confidence</text>',
        f'<text x="6" y="{pad - 8}">share right</text>',
    ]
    for tick in (0, 0.5, 1):
        parts.append(f'<text x="{pad + tick * (size - 2 * pad) - 6:.0f}" y="{size - pad + 14}">{tick:g}</text>')
        parts.append(f'<text x="{pad - 24}" y="{size - pad - tick * (size - 2 * pad) + 4:.0f}">{tick:g}</text>')
    for n, (name, points) in enumerate(curves.items()):
        colour = colours[n % len(colours)]
        parts.append(f'<polyline points="{" ".join(xy(x, y) for x, y, _ in points)}" stroke="{colour}" stroke-width="2" fill="none"/>')
        for x, y, count in points:
            cx, cy = xy(x, y).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{2 + min(count, 200) ** 0.5 / 3:.1f}" fill="{colour}" opacity="0.6"/>')
        parts.append(f'<text x="{pad + 8}" y="{size + 10 + n * 14}" fill="{colour}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
