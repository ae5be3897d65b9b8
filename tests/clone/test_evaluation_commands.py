import json
import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from replyqueue.clone.models import KnowledgeItem

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def percent(label: str, output: str) -> float:
    return float(re.search(rf"{label}[^\n]*?(\d+\.\d)%", output).group(1))


def test_evaluate_clone_reports_accuracy_abstention_and_violations_and_keeps_nothing(db):
    output = run("evaluate_clone", str(DATASETS / "clone_eval.json"), "--split", "dev")
    assert 0 < percent("answer accuracy", output) <= 100
    assert 0 < percent("abstention on unanswerable", output) <= 100
    assert re.search(r"facts-guard violations in drafts:\s+0 of \d+", output)  # grounded drafts copy their sources
    assert KnowledgeItem.objects.count() == 0


def test_evaluate_triage_reports_precision_and_recall_per_category(db, tmp_path):
    output = run("evaluate_triage", str(DATASETS / "triage_fresh.jsonl"), "--picture", str(tmp_path / "confusion.svg"))
    for category in ("question", "praise", "complaint", "request", "spam", "abuse", "sensitive", "other"):
        assert re.search(rf"^{category}\s+\d\.\d\d\s+\d\.\d\d", output, re.M)
    assert "accuracy" in output
    assert re.search(r"read as spam \(the owner decides\): \d+, of which spam \d+", output)
    assert re.search(r"young fans flagged only for the age they give \(the owner decides\): [1-9]\d*, of which spam \d+, sensitive [1-9]", output)


def test_a_set_labelled_by_side_is_scored_as_spam_abuse_or_legit(db, tmp_path):
    rows = [
        {"id": "p1", "lang": "en", "category": "spam", "text": "FREE followers!!! click bit.example/free to claim your prize now"},
        {"id": "p2", "lang": "en", "category": "legit", "text": "What camera do you use for your vlogs?"},
        {"id": "p3", "lang": "en", "category": "legit", "text": "Loved this recipe, my kids ate everything"},
    ]
    dataset = tmp_path / "public.jsonl"
    dataset.write_text("".join(json.dumps(row) + "\n" for row in rows))
    picture = tmp_path / "confusion.svg"
    output = run("evaluate_triage", str(dataset), "--picture", str(picture))
    assert "(labelled by side: spam / abuse / legit)" in output
    assert re.search(r"^legit\s+1\.00\s+1\.00\s+1\.00\s+2$", output, re.M)  # a question and praise both count as legit
    assert not re.search(r"^question\s", output, re.M)
    assert re.search(r"legit comments sent to the owner as safety cases: 0/2", output)
    assert ">legit<" in picture.read_text()


def test_no_held_out_clone_case_is_a_case_of_the_tuning_set():
    def comments(name: str) -> set[str]:
        cases = json.loads((DATASETS / name).read_text())["cases"]
        return {" ".join(case["comment"].lower().split()) for case in cases}

    tuning, held_out = comments("clone_eval.json"), comments("clone_fresh.json")
    assert len(tuning) > 300 and len(held_out) > 200
    assert not tuning & held_out


def test_the_learning_curve_scores_every_comment_once_with_marks_from_other_comments_only():
    from replyqueue.clone.management.commands.evaluate_triage import cross_fitted, load

    cases = load(DATASETS / "triage_fresh.jsonl")
    splits = cross_fitted(cases, seed=0)
    scored_ids = [case["id"] for _, scored in splits for case in scored]
    assert sorted(scored_ids) == sorted(case["id"] for case in cases)
    for pool, scored in splits:
        assert not {case["id"] for case in pool} & {case["id"] for case in scored}
        assert len(pool) >= 200  # the curve's last point: 200 marks
