import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from replyqueue.clone.evaluation.metrics import format_table, per_class
from replyqueue.clone.learning import LearnedTriage
from replyqueue.clone.triage_pipeline import POSSIBLY_SENSITIVE, triage_comment
from replyqueue.comments.models import Category

CLASSES = [c.value for c in Category]
TEACHABLE = {"spam", "abuse"}


def load(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None


def split_cases(cases: list[dict], part: str) -> list[dict]:
    """dev = even-numbered ids (used to tune the rules), test = odd ones (never tuned on)."""
    if part == "all":
        return cases
    want = 0 if part == "dev" else 1
    return [c for c in cases if int("".join(ch for ch in c["id"] if ch.isdigit())) % 2 == want]


def teach(cases: list[dict]) -> LearnedTriage:
    """What a creator's inbox teaches: comments marked spam / abuse, and the others, which were
    replied to or cleared (both count as fine, as they do in production)."""
    return LearnedTriage.fit([(c["text"], c["category"] if c["category"] in TEACHABLE else "fine") for c in cases])


class Command(BaseCommand):
    help = "Precision and recall per triage category on a labelled JSONL set."

    def add_arguments(self, parser):
        parser.add_argument("dataset", type=Path)
        parser.add_argument("--split", choices=["all", "dev", "test"], default="all")
        parser.add_argument(
            "--learn", action="store_true",
            help="also teach the classifier with verdicts on the dev split and score the test split again",
        )
        parser.add_argument("--errors", action="store_true", help="list the misclassified comments")

    def handle(self, dataset, split: str, learn: bool, errors: bool, **options):
        cases = load(dataset)
        part = "test" if learn else split
        scored = split_cases(cases, part)
        self.report(f"{dataset.name} [{part}] built-in rules", scored, None, errors)
        if learn:
            model = teach(split_cases(cases, "dev"))
            self.report(f"{dataset.name} [test] after learning from dev verdicts", scored, model, errors)

    def report(self, title: str, cases: list[dict], model, errors: bool) -> None:
        pairs = []
        guarded = flagged_fine = 0
        for case in cases:
            result = triage_comment(case["text"], learned=model)
            predicted = result.category
            pairs.append((case["category"], predicted))
            non_routine = predicted == "sensitive" or POSSIBLY_SENSITIVE in result.labels
            if case["category"] == "sensitive":
                guarded += non_routine
            elif POSSIBLY_SENSITIVE in result.labels:
                flagged_fine += 1
            if errors and predicted != case["category"]:
                self.stdout.write(f"  {case['id']} expected {case['category']}, got {predicted}: {case['text'][:90]!r}")
        accuracy = sum(e == p for e, p in pairs) / len(pairs)
        self.stdout.write(f"\n{title}: {len(pairs)} comments")
        self.stdout.write(format_table(per_class(pairs, CLASSES), accuracy))
        false_alarms = sum(1 for e, p in pairs if p in TEACHABLE and e not in TEACHABLE)
        legit = sum(1 for e, _ in pairs if e not in TEACHABLE)
        self.stdout.write(f"false alarms (legit comments sent to no_reply): {false_alarms}/{legit}")
        sensitive = sum(1 for e, _ in pairs if e == "sensitive")
        self.stdout.write(
            f"sensitive comments kept from routine (category sensitive or labelled '{POSSIBLY_SENSITIVE}'): "
            f"{guarded}/{sensitive}; other comments labelled '{POSSIBLY_SENSITIVE}': {flagged_fine}/{len(pairs) - sensitive}"
        )
