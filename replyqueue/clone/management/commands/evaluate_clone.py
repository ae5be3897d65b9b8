import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Creator
from replyqueue.clone import facts
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
        parser.add_argument("dataset", type=Path)
        parser.add_argument("--split", choices=["all", "dev", "test"], default="all",
                            help="dev = even case numbers (used for tuning), test = odd ones")
        parser.add_argument("--errors", action="store_true", help="list every wrong outcome")

    def handle(self, dataset: Path, split: str, errors: bool, **options):
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
            if errors and outcome not in ("answer_right", "abstain_right"):
                got = proposal.text[:90] if answered else (proposal.abstain_reason[:60] if proposal else triage.reasons[0])
                self.stdout.write(f"  {case['id']} {outcome}: {case['comment'][:70]!r} -> {got!r}")
        self.report(name, split, cases, outcomes, by_lang, drafts, violations)

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
