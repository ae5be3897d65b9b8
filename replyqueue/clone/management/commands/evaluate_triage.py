"""python manage.py evaluate_triage datasets/triage_fresh.jsonl [--learn] [--errors]

Scores the whole triage (trained models + safety patterns) on a labelled JSONL set that was never
trained or tuned on: precision / recall / F1 per category and per language, spam F1, precision of
no_reply, threat + distress recall per language, threats / distress sent to no_reply, and a
confusion matrix picture (docs/triage_confusion.svg). `--learn` adds a learning curve: creator
marks drawn from the rest of the set teach the per-creator model, fold by fold, so every comment is
scored and none is taught by its own mark.

A public set labelled on one axis only (spam or not, abusive or not) marks its other rows
`legit`: its category is unknown. Such a set is scored by side (spam / abuse / legit), every
category other than spam and abuse counting as legit.
"""

import json
import math
import random
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from replyqueue.clone.evaluation.metrics import format_table, per_class
from replyqueue.clone.learning import CreatorModel
from replyqueue.clone.triage import YOUNG_FAN
from replyqueue.clone.triage_pipeline import triage_comments
from replyqueue.comments.models import Category

CLASSES = [c.value for c in Category]
FILED = {"spam", "abuse"}
SAFETY = {"threat", "sensitive"}
LEGIT = "legit"
SIDES = ["spam", "abuse", LEGIT]
DOCS = Path(__file__).resolve().parents[4] / "docs"
CURVE = (0, 10, 50, 200)
CURVE_REPEATS = 5
CURVE_FOLDS = 5  # each fold is scored with marks from the other four


def load(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None


def split_cases(cases: list[dict], part: str) -> list[dict]:
    """dev = even-numbered ids, test = odd ones."""
    if part == "all":
        return cases
    want = 0 if part == "dev" else 1
    return [c for c in cases if int("".join(ch for ch in c["id"] if ch.isdigit())) % 2 == want]


def language_of(case: dict) -> str:
    return case.get("lang") or case.get("language") or "?"


def by_side(cases: list[dict]) -> bool:
    """Whether the set is labelled on one axis only (some rows are just `legit`)."""
    return any(c["category"] == LEGIT for c in cases)


def labelled_pairs(cases: list[dict], results) -> list[tuple[str, str]]:
    """(expected, predicted) per comment: categories, or sides for a set labelled by side."""
    sides = by_side(cases)
    return [(c["category"], (r.category if r.category in FILED else LEGIT) if sides else r.category)
            for c, r in zip(cases, results, strict=True)]


def summary(cases: list[dict], results) -> dict:
    pairs = labelled_pairs(cases, results)
    gold = [g for g, _ in pairs]
    predicted = [p for _, p in pairs]
    filed = [g for g, r in zip(gold, results, strict=True) if r.outcome == "no_reply"]
    spam = per_class(list(zip(gold, predicted, strict=True)), ["spam"])["spam"]
    return {
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "spam_f1": spam["f1"],
        "no_reply": len(filed),
        "no_reply_precision": sum(g in FILED for g in filed) / len(filed) if filed else 1.0,
        "safety_in_no_reply": sum(g in SAFETY for g in filed),
    }


def confusion_svg(pairs: list[tuple[str, str]], classes: list[str], title: str) -> str:
    """A confusion matrix as a standalone SVG (rows: expected, columns: predicted)."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), int)
    for expected, predicted in pairs:
        matrix[index[expected], index[predicted]] += 1
    cell, left, top = 46, 110, 120
    width, height = left + cell * len(classes) + 20, top + cell * len(classes) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="{left}" y="{height - 12}">predicted →   (rows: expected)</text>',
    ]
    for i, name in enumerate(classes):
        x = left + i * cell + cell / 2
        parts.append(f'<text x="{x}" y="{top - 8}" transform="rotate(-50 {x} {top - 8})">{name}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">{name}</text>')
    for i in range(len(classes)):
        total = matrix[i].sum() or 1
        for j in range(len(classes)):
            share = matrix[i, j] / total
            colour = f"rgb({int(255 - 200 * share)},{int(255 - 120 * share)},255)" if i == j else f"rgb(255,{int(255 - 200 * share)},{int(255 - 200 * share)})"
            x, y = left + j * cell, top + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{colour}" stroke="#ccc"/>')
            if matrix[i, j]:
                parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle">{matrix[i, j]}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


class Command(BaseCommand):
    help = "Precision and recall per triage category and language on a labelled JSONL set (never trained on)."

    def add_arguments(self, parser):
        parser.add_argument("dataset", type=Path)
        parser.add_argument("--split", choices=["all", "dev", "test"], default="all")
        parser.add_argument("--learn", action="store_true", help="also print a learning curve from simulated creator marks")
        parser.add_argument("--errors", action="store_true", help="list the misclassified comments")
        parser.add_argument("--picture", type=Path, default=DOCS / "triage_confusion.svg")

    def handle(self, dataset, split: str, learn: bool, errors: bool, picture: Path, **options):
        cases = split_cases(load(dataset), split)
        results = triage_comments([{"text": c["text"]} for c in cases])
        self.report(f"{dataset.name} [{split}]", cases, results, errors)
        pairs = labelled_pairs(cases, results)
        classes = [c for c in (SIDES if by_side(cases) else CLASSES) if any(c in pair for pair in pairs)]
        picture.parent.mkdir(parents=True, exist_ok=True)
        picture.write_text(confusion_svg(pairs, classes, f"Triage confusion matrix, {dataset.name} ({len(cases)} comments)"))
        self.stdout.write(f"confusion matrix picture: {picture}")
        if learn:
            self.learning_curve(cases)

    def report(self, title: str, cases: list[dict], results, errors: bool) -> None:
        pairs = labelled_pairs(cases, results)
        classes = SIDES if by_side(cases) else CLASSES
        accuracy = sum(e == p for e, p in pairs) / len(pairs)
        self.stdout.write(f"\n{title}: {len(pairs)} comments" + (" (labelled by side: spam / abuse / legit)" if by_side(cases) else ""))
        self.stdout.write(format_table(per_class(pairs, classes), accuracy))
        for language in sorted({language_of(c) for c in cases}):
            subset = [pair for case, pair in zip(cases, pairs, strict=True) if language_of(case) == language]
            sub_accuracy = sum(e == p for e, p in subset) / len(subset)
            present = [c for c in classes if any(c == e for e, _ in subset)]
            self.stdout.write(f"\nlanguage {language}: {len(subset)} comments")
            self.stdout.write("  " + format_table(per_class(subset, present), sub_accuracy).replace("\n", "\n  "))
        s = summary(cases, results)
        self.stdout.write(f"\nspam F1: {s['spam_f1']:.3f}")
        self.stdout.write(f"precision of no_reply: {s['no_reply_precision']:.3f} ({s['no_reply']} comments sent to no_reply)")
        labelled = sum(1 for r in results if any(label.startswith("possibly") and label != "possibly sensitive" for label in r.labels))
        self.stdout.write(f"kept and labelled 'possibly spam/abuse' instead of filed: {labelled}")
        for language in sorted({language_of(c) for c in cases}):
            gold = [(c, r) for c, r in zip(cases, results, strict=True) if c["category"] in SAFETY and language_of(c) == language]
            if gold:
                caught = sum(r.category in SAFETY and r.owner_only and r.outcome != "no_reply" for _, r in gold)
                self.stdout.write(f"threat+distress recall [{language}]: {caught / len(gold):.3f} ({caught}/{len(gold)})")
        self.stdout.write(f"threats/distress sent to no_reply: {s['safety_in_no_reply']}")
        legit = [(c, r) for c, r in zip(cases, results, strict=True) if c["category"] not in SAFETY]
        flagged = sum(bool(r.safety) for _, r in legit)
        self.stdout.write(f"other comments sent to the owner as safety cases: {flagged}/{len(legit)}")
        if by_side(cases):
            plain = [r for c, r in zip(cases, results, strict=True) if c["category"] == LEGIT]
            self.stdout.write(f"legit comments sent to the owner as safety cases: {sum(bool(r.safety) for r in plain)}/{len(plain)}")
        doubts = [c["category"] for c, r in zip(cases, results, strict=True) if r.safety_doubt]
        self.stdout.write(f"flagged by the safety model but read as spam (the owner decides): {len(doubts)}, of which spam {doubts.count('spam')}")
        young = [c["category"] for c, r in zip(cases, results, strict=True) if YOUNG_FAN in r.labels]
        self.stdout.write(f"young fans flagged only for the age they give (the owner decides): {len(young)}, of which spam {young.count('spam')}, sensitive {young.count('sensitive')}")
        as_threat = sum(1 for c, r in zip(cases, results, strict=True) if c["category"] == "abuse" and r.category == "threat")
        self.stdout.write(f"comments labelled abuse called threat (the set predates the threat label): {as_threat}")
        hostile_to_owner = sum(1 for c, r in zip(cases, results, strict=True) if c["category"] == "abuse" and r.category != "abuse" and r.safety)
        self.stdout.write(f"comments labelled abuse sent to the owner as safety cases instead: {hostile_to_owner}")
        if errors:
            for case, result, (expected, predicted) in zip(cases, results, pairs, strict=True):
                if predicted != expected:
                    self.stdout.write(f"  {case['id']} expected {case['category']}, got {result.category} ({result.outcome}): {case['text'][:90]!r}")

    def learning_curve(self, cases: list[dict]) -> None:
        """Cross-fitted: each repeat shuffles the set (fixed seeds) into CURVE_FOLDS folds, and each
        fold is scored with marks drawn from the other folds, so every comment is scored once per
        repeat and never taught by its own mark. Figures are over the whole set, averaged over
        CURVE_REPEATS repeats. Two ways of marking: at random, and correcting first (the pool's
        comments the trained model got wrong on spam, i.e. spam left in the inbox or legit comments
        called spam, then the others at random), as a creator cleaning their inbox does. 10 % of the
        set is one of the points."""
        pool_size = len(cases) - math.ceil(len(cases) / CURVE_FOLDS)  # the pool beside the largest fold
        tenth = round(len(cases) / 10)
        if pool_size < max(tenth, CURVE[1]):
            raise CommandError(f"--learn needs at least {CURVE_FOLDS * CURVE[1]} comments")
        points = sorted({*(n for n in CURVE if n <= pool_size), tenth})
        for protocol in ("random", "corrective"):
            self.stdout.write(
                f"\nlearning curve ({protocol} marks): {len(cases)} comments scored in {CURVE_FOLDS} folds, each with marks "
                f"from the other folds; {CURVE_REPEATS} repeats; {tenth} marks = 10% of the set"
            )
            self.stdout.write(f"{'marks':>6}{'accuracy':>10}{'spam F1':>9}{'no_reply prec':>15}{'no_reply n':>12}{'safety in no_reply':>20}")
            totals = {n: [] for n in points}
            for seed in range(CURVE_REPEATS):
                splits = cross_fitted(cases, seed)
                results = {n: [] for n in points}
                for pool, scored in splits:
                    if protocol == "corrective":
                        pool = corrective_order(pool)
                    for n in points:
                        model = CreatorModel.fit([(c["text"], c["category"]) for c in pool[:n]]) if n else None
                        results[n] += triage_comments([{"text": c["text"]} for c in scored], learned=model)
                in_fold_order = [c for _, scored in splits for c in scored]
                for n in points:
                    totals[n].append(summary(in_fold_order, results[n]))
            means = {}
            for n in points:
                rows = totals[n]
                mean = means[n] = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}
                self.stdout.write(
                    f"{n:>6}{mean['accuracy']:>10.3f}{mean['spam_f1']:>9.3f}{mean['no_reply_precision']:>15.3f}"
                    f"{mean['no_reply']:>12.1f}{mean['safety_in_no_reply']:>20.1f}"
                )
            better = [n for n in points if n and means[n]["spam_f1"] > means[0]["spam_f1"] + 1e-9]
            worse = [n for n in points if n and means[n]["spam_f1"] < means[0]["spam_f1"] - 1e-9]
            self.stdout.write(
                f"marks it took to improve spam F1 ({protocol}): {better[0] if better else f'not within {points[-1]}'}"
                f"; points worse than no marks: {', '.join(map(str, worse)) or 'none'}"
            )


def cross_fitted(cases: list[dict], seed: int) -> list[tuple[list[dict], list[dict]]]:
    """(pool of marks, scored comments) per fold: the set shuffled with `seed` and dealt into
    CURVE_FOLDS folds; each fold is scored once, with marks from the others."""
    shuffled = list(cases)
    random.Random(seed).shuffle(shuffled)
    folds = [shuffled[k::CURVE_FOLDS] for k in range(CURVE_FOLDS)]
    return [([c for j, fold in enumerate(folds) if j != k for c in fold], scored) for k, scored in enumerate(folds)]


def corrective_order(pool: list[dict]) -> list[dict]:
    """The pool as a creator cleaning their inbox marks it: first what the trained model got wrong
    on spam (in the pool's random order), then the rest."""
    results = triage_comments([{"text": c["text"]} for c in pool])
    wrong = [(c["category"] == "spam") != (r.category == "spam" or (r.outcome == "no_reply" and c["category"] not in FILED))
             for c, r in zip(pool, results, strict=True)]
    return [c for c, w in zip(pool, wrong, strict=True) if w] + [c for c, w in zip(pool, wrong, strict=True) if not w]
