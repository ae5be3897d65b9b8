"""The intent benchmark behind `evaluate_clone --intents`, on a small made-up set and on the committed
MASSIVE copy (datasets/massive/)."""

import json
from pathlib import Path

from django.core.management import call_command

from replyqueue.clone.evaluation import intents

TOPICS = {
    "camera": ("what camera do you use {n}", "tu utilises quel appareil photo {n}"),
    "tour": ("when is your next tour date {n}", "c'est quand ta prochaine tournée {n}"),
    "recipe": ("can you share the cake recipe {n}", "tu peux partager la recette du gâteau {n}"),
    "merch": ("where can I buy your hoodie {n}", "où acheter ton sweat {n}"),
}


def write_rows(tmp_path):
    en, fr, row_id = [], [], 0
    for intent, (english, french) in TOPICS.items():
        for n in range(14):
            en.append({"id": str(row_id), "intent": intent, "utt": english.format(n=n), "lang": "en"})
            fr.append({"id": str(row_id), "intent": intent, "utt": french.format(n=n), "lang": "fr"})
            row_id += 1
    paths = []
    for lang, rows in (("en", en), ("fr", fr)):
        path = tmp_path / f"{lang}.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
        paths.append(path)
    return paths


def test_known_intents_are_taught_and_the_held_out_ones_only_asked(tmp_path):
    rows = intents.load(write_rows(tmp_path))
    bench = intents.build(rows, known_count=3, held_out_count=1, per_intent=2)
    assert len(bench.known) == 3 and len(bench.held_out) == 1
    assert all(len(ids) == intents.TEACHING for ids in bench.teaching.values())
    taught = {rows[lang][i]["utt"] for ids in bench.teaching.values() for i in ids for lang in ("en", "fr")}
    asked = [q for q in bench.questions if q.intent == ""]
    assert asked and all(q.intent == "" for q in asked)
    assert not taught & {q.text for q in bench.questions}


def test_the_threshold_is_chosen_on_dev_and_results_read_on_test():
    dev = [intents.Scored(intents.Question("x", "", "en", "dev"), c, "", True) for c in (0.1, 0.2, 0.3, 0.4, 0.5)]
    threshold = intents.choose_threshold(dev)
    assert 0.3 < threshold < 0.5
    test = [
        intents.Scored(intents.Question("a", "camera", "en", "test"), 0.9, "camera", True),
        intents.Scored(intents.Question("b", "tour", "en", "test"), 0.9, "camera", True),
        intents.Scored(intents.Question("c", "", "en", "test"), 0.1, "camera", True),
    ]
    result = intents.result(test, threshold)
    assert (result.right, result.wrong, result.abstained_unanswerable) == (0.5, 0.5, 1.0)


def test_a_right_source_on_a_comment_triage_sends_to_the_owner_is_not_counted_through_triage():
    test = [
        intents.Scored(intents.Question("a", "camera", "en", "test"), 0.9, "camera", True, drafted=True),
        intents.Scored(intents.Question("b", "camera", "en", "test"), 0.9, "camera", True, drafted=False),
    ]
    result = intents.result(test, 0.5)
    assert (result.right, result.right_through_triage) == (1.0, 0.5)


def test_questions_are_triaged_as_comments_before_their_sources_count(db):
    from accounts.models import Creator
    from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add

    creator = Creator.objects.create(slug="intent-triage", name="Intent triage")
    item = knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", "A Sony A7 IV.")], origin="test")[0]
    questions = [intents.Question("which camera do you use", "camera", "en", "test"),
                 intents.Question("I know where you live and I'm coming for you", "camera", "en", "test")]
    scored = intents.score(creator, questions, {item.id: "camera"}, intents.drafted_by_triage(questions))
    assert [s.drafted for s in scored] == [True, False]
    assert scored[0].predicted == "camera"


def test_the_command_reports_each_language_and_writes_the_reliability_diagram(tmp_path, db, capsys):
    svg = tmp_path / "reliability.svg"
    call_command("evaluate_clone", "--intents", *map(str, write_rows(tmp_path)), "--reliability", str(svg))
    out = capsys.readouterr().out
    for setting in ("English", "French", "French questions, English knowledge"):
        assert setting in out
    assert svg.read_text().startswith("<svg")


def test_the_committed_massive_copy_loads_into_the_documented_benchmark():
    """datasets/massive/ (MASSIVE 1.1 en-US + fr-FR, datasets/massive/README.md) stays readable."""
    folder = Path(__file__).resolve().parents[2] / "datasets" / "massive"
    rows = intents.load([folder / "en-US.jsonl", folder / "fr-FR.jsonl"])
    assert set(rows) == {"en", "fr"} and len(rows["en"]) == len(rows["fr"]) == 16521
    assert rows["en"].keys() == rows["fr"].keys()
    assert all(rows["en"][i]["intent"] == rows["fr"][i]["intent"] for i in rows["en"])
    bench = intents.build(rows)
    assert (len(bench.known), len(bench.held_out)) == (intents.KNOWN, intents.HELD_OUT)
    test = [q for q in bench.questions if q.split == "test"]
    assert len(test) == 2 * (intents.KNOWN + intents.HELD_OUT) * intents.QUESTIONS_PER_INTENT
    assert (folder / "README.md").read_text().count("CC BY 4.0") >= 1
