import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Creator
from replyqueue.clone import facts
from replyqueue.clone.calibration import fit
from replyqueue.clone.evaluation import intents
from replyqueue.clone.knowledge import knowledge_add, knowledge_input_from_api
from replyqueue.clone.models import KnowledgeItem, Persona
from replyqueue.clone.services import propose_reply
from replyqueue.clone.triage_pipeline import triage_comment


class Rollback(Exception):
    pass


def case_number(case: dict) -> int:
    return int("".join(ch for ch in case["id"] if ch.isdigit()))


class Command(BaseCommand):
    help = "Answer accuracy, abstention and facts-guard violations of the clone on a labelled set."

    def add_arguments(self, parser):
        parser.add_argument("dataset", type=Path, nargs="?", help="a clone set (datasets/clone_fresh.json)")
        parser.add_argument("--intents", type=Path, nargs="+", metavar="JSONL",
                            help="an intent benchmark instead, one JSONL per language "
                            "(datasets/massive/en-US.jsonl datasets/massive/fr-FR.jsonl)")
        parser.add_argument("--learn", action="store_true", help="with --intents: quality after 0, 10, 50, 200 approvals")
        parser.add_argument("--reliability", type=Path, help="with --intents: write a reliability diagram (SVG) here")
        parser.add_argument("--split", choices=["all", "dev", "test"], default="all",
                            help="dev = even case numbers (used for tuning), test = odd ones")
        parser.add_argument("--errors", action="store_true", help="list every wrong outcome")

    def handle(self, dataset: Path | None, split: str, errors: bool, **options):
        if options["intents"]:
            try:
                with transaction.atomic():
                    IntentEvaluation(self.stdout).run(options["intents"], options["learn"], options["reliability"])
                    raise Rollback
            except Rollback:
                return
        if dataset is None:
            raise CommandError("Give a dataset, or --intents with JSONL files.")
        try:
            data = json.loads(dataset.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {dataset}: {error}") from None
        cases = [c for c in data["cases"] if split == "all" or case_number(c) % 2 == (0 if split == "dev" else 1)]
        try:
            with transaction.atomic():  # a throwaway creator: nothing of the evaluation stays
                self.evaluate(data, cases, dataset.name, split, errors)
                raise Rollback
        except Rollback:
            pass

    def evaluate(self, data: dict, cases: list[dict], name: str, split: str, errors: bool) -> None:
        creator = Creator.objects.create(slug="evaluation-run", name="Evaluation")
        Persona.objects.filter(creator=creator).update(**data.get("persona", {}))
        persona = Persona.objects.get(creator=creator)
        stored = knowledge_add(creator=creator, items=[knowledge_input_from_api(k) for k in data["knowledge"]])
        to_db = {k["id"]: item.id for k, item in zip(data["knowledge"], stored, strict=True)}
        persona.refresh_from_db()
        items = KnowledgeItem.objects.in_bulk([i.id for i in stored])

        outcomes: Counter = Counter()
        by_lang: Counter = Counter()
        by_reach: Counter = Counter()  # (an acceptable item is in the fan's language, outcome) of answerable cases
        violations = drafts = 0
        for case in cases:
            triage = triage_comment(case["comment"])
            proposal = None if triage.outcome != "draft" else propose_reply(persona=persona, text=case["comment"], triage=triage)
            answered = proposal is not None and not proposal.abstained
            if answered:
                drafts += 1
                grounding = [f"{items[s].prompt} {items[s].body}" for s in proposal.sources]
                grounding += [persona.display_name, persona.greeting, persona.signoff, persona.favourite_emoji]
                found = facts.check(proposal.text, grounding)
                violations += bool(found)
            outcome = self.outcome(case, answered, proposal, to_db)
            outcomes[outcome] += 1
            by_lang[(case["lang"], outcome)] += 1
            if case["expect"] == "answer" and case["lang"] in ("en", "fr"):
                languages = {items[to_db[k]].language for k in case["knowledge"]}
                by_reach[(case["lang"] in languages, outcome)] += 1
            if errors and outcome not in ("answer_right", "abstain_right"):
                got = proposal.text[:90] if answered else (proposal.abstain_reason[:120] if proposal else triage.reasons[0])
                self.stdout.write(f"  {case['id']} {outcome}: {case['comment'][:70]!r} -> {got!r}")
        self.report(name, split, cases, outcomes, by_lang, drafts, violations)
        self.report_reach(by_reach)

    def report_reach(self, by_reach: Counter) -> None:
        """Answerable English or French cases split by whether an acceptable answer is written in
        the fan's language: where it is not, the offline drafter must abstain (it never mixes
        languages); only an LLM drafter may translate."""
        outcomes = ("answer_right", "answer_wrong", "answer_abstained")
        same, other = (sum(by_reach[(reach, o)] for o in outcomes) for reach in (True, False))
        self.stdout.write(
            f"  answer in the fan's language:       right {by_reach[(True, 'answer_right')] / max(same, 1):.1%} of {same}, "
            f"wrong {by_reach[(True, 'answer_wrong')]}, abstained {by_reach[(True, 'answer_abstained')]}"
        )
        self.stdout.write(
            f"  answer only in the other language: right {by_reach[(False, 'answer_right')] / max(other, 1):.1%} of {other}, "
            f"wrong {by_reach[(False, 'answer_wrong')]}, abstained {by_reach[(False, 'answer_abstained')]} "
            "(offline the drafter abstains rather than mix languages)"
        )

    @staticmethod
    def outcome(case: dict, answered: bool, proposal, to_db: dict) -> str:
        if case["expect"] == "answer":
            if not answered:
                return "answer_abstained"
            acceptable = {to_db[k] for k in case["knowledge"]}
            return "answer_right" if set(proposal.sources) & acceptable else "answer_wrong"
        return "abstain_answered" if answered else "abstain_right"

    def report(self, name, split, cases, outcomes, by_lang, drafts, violations) -> None:
        answerable = sum(1 for c in cases if c["expect"] == "answer")
        unanswerable = len(cases) - answerable
        right = outcomes["answer_right"]
        wrong = outcomes["answer_wrong"] + outcomes["abstain_answered"]
        self.stdout.write(f"\n{name} [{split}]: {len(cases)} cases ({answerable} answerable, {unanswerable} not)")
        self.stdout.write(f"answer accuracy (right source / answerable):       {right / max(answerable, 1):.1%}  ({right})")
        self.stdout.write(f"  answered from the wrong source:                  {outcomes['answer_wrong']}")
        self.stdout.write(f"  abstained although answerable:                   {outcomes['answer_abstained']}")
        self.stdout.write(
            f"abstention on unanswerable (abstained / unanswerable): {outcomes['abstain_right'] / max(unanswerable, 1):.1%}"
            f"  ({outcomes['abstain_right']})"
        )
        self.stdout.write(f"precision of drafts (right / all drafts):           {right / max(right + wrong, 1):.1%}  ({right + wrong} drafts)")
        self.stdout.write(f"facts-guard violations in drafts:                  {violations} of {drafts}")
        for lang in sorted({lang for lang, _ in by_lang}):
            answer_n = sum(by_lang[(lang, o)] for o in ("answer_right", "answer_wrong", "answer_abstained"))
            abstain_n = by_lang[(lang, "abstain_right")] + by_lang[(lang, "abstain_answered")]
            self.stdout.write(
                f"  {lang:<6} answer accuracy {by_lang[(lang, 'answer_right')] / max(answer_n, 1):.1%} of {answer_n}, "
                f"abstention {by_lang[(lang, 'abstain_right')] / max(abstain_n, 1):.1%} of {abstain_n}"
            )


class IntentEvaluation:
    """evaluate_clone --intents: right source, wrong source and abstention per language setting."""

    SETTINGS = (("English", ["en"], "en"), ("French", ["fr"], "fr"), ("French questions, English knowledge", ["en"], "fr"))

    def __init__(self, stdout):
        self.stdout = stdout

    def run(self, paths: list[Path], learn: bool, reliability_path: Path | None) -> None:
        try:
            rows = intents.load(paths)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read the intent files: {error}") from None
        missing = {"en", "fr"} - set(rows)
        if missing:
            raise CommandError(f"--intents needs English and French files; missing: {', '.join(sorted(missing))}")
        bench = intents.build(rows)
        self.stdout.write(
            f"{len(bench.known)} known intents (1 FAQ + 5 past replies each, per language), "
            f"{len(bench.held_out)} held out; threshold chosen on dev for {intents.TARGET_ABSTENTION:.0%} abstention"
        )
        self.stdout.write(f"{'setting':<40}{'right':>8}{'wrong':>8}{'abstain':>9}{'thr':>6}{'n':>7}{'right via triage':>18}")
        curves = {}
        for n, (name, knowledge_langs, question_lang) in enumerate(self.SETTINGS):
            creator = Creator.objects.create(slug=f"intent-evaluation-{n}", name="Evaluation")
            intent_of = intents.teach(creator, bench, rows, knowledge_langs)
            questions = [q for q in bench.questions if q.lang == question_lang]
            drafted = intents.drafted_by_triage(questions)
            scored = intents.score(creator, questions, intent_of, drafted)
            dev = [s for s in scored if s.question.split == "dev"]
            test = [s for s in scored if s.question.split == "test"]
            threshold = intents.choose_threshold(dev)
            self.line(name, intents.result(test, threshold))
            if name == "English":
                curves["raw confidence (test)"] = intents.reliability(test)
                calibration = fit([(s.confidence, s.predicted == s.question.intent) for s in dev if s.question.intent])
                calibrated = [replace(s, confidence=calibration.chance(s.confidence)) for s in test]
                curves["calibrated on dev (test)"] = intents.reliability(calibrated)
                if learn:
                    self.learning_curve(creator, bench, rows, knowledge_langs, questions, drafted, intent_of, threshold)
        if reliability_path:
            reliability_path.write_text(intents.reliability_svg(curves, "Clone confidence vs right source (English)"))
            self.stdout.write(f"reliability diagram written to {reliability_path}")

    def learning_curve(self, creator, bench, rows, langs, questions, drafted, intent_of, threshold) -> None:
        self.stdout.write("learning curve (English, test split, same threshold):")
        learned = 0
        for approvals in (0, 10, 50, 200):
            if approvals > learned:
                intent_of |= intents.learn(creator, bench, rows, langs, approvals)
                learned = approvals
            test = [s for s in intents.score(creator, questions, intent_of, drafted) if s.question.split == "test"]
            self.line(f"  after {approvals} approvals", intents.result(test, threshold))

    def line(self, name: str, r) -> None:
        self.stdout.write(
            f"{name:<40}{r.right:>8.1%}{r.wrong:>8.1%}{r.abstained_unanswerable:>9.1%}{r.threshold:>6.2f}"
            f"{r.n_answerable + r.n_unanswerable:>7}{r.right_through_triage:>18.1%}"
        )
