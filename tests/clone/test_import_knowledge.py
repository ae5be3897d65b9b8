import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from replyqueue.clone.importing import knowledge_import
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.retrieval import search

ROWS = [
    {"kind": "faq", "question": "What camera do you use?", "answer": "The Sony A7 IV."},
    {"kind": "reply", "comment": "Love the Tokyo vlog!", "reply": "Hey! Thank you so much 💛 — Mia"},
    {"kind": "post", "title": "Lisbon in 4K", "text": "Three days in Lisbon with the Sigma 24-70."},
]
CSV = (
    "kind,question,answer,comment,reply,title,text\n"
    "faq,What camera do you use?,The Sony A7 IV.,,,,\n"
    'reply,,,Love the Tokyo vlog!,"Hey! Thank you so much 💛 — Mia",,\n'
    "post,,,,,Lisbon in 4K,Three days in Lisbon with the Sigma 24-70.\n"
)


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_knowledge", *map(str, args), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored(creator) -> set[tuple[str, str, str]]:
    return set(KnowledgeItem.objects.filter(creator=creator).values_list("kind", "prompt", "body"))


EXPECTED = {
    ("faq", "What camera do you use?", "The Sony A7 IV."),
    ("reply", "Love the Tokyo vlog!", "Hey! Thank you so much 💛 — Mia"),
    ("post", "Lisbon in 4K", "Three days in Lisbon with the Sigma 24-70."),
}


def test_it_imports_a_csv_with_the_api_field_names(creator, tmp_path):
    out, _ = run(creator.slug, write(tmp_path, "k.csv", CSV))
    assert stored(creator) == EXPECTED
    assert "3 rows: 3 added, 0 already there, 0 invalid" in out
    assert set(KnowledgeItem.objects.values_list("origin", flat=True)) == {"import"}


@pytest.mark.parametrize("payload", [ROWS, {"items": ROWS}], ids=["list", "items"])
def test_it_imports_json_as_a_list_or_an_items_object(creator, tmp_path, payload):
    run(creator.slug, write(tmp_path, "k.json", json.dumps(payload, indent=2, ensure_ascii=False)))
    assert stored(creator) == EXPECTED


def test_it_imports_jsonl(creator, tmp_path):
    run(creator.slug, write(tmp_path, "k.jsonl", "\n".join(json.dumps(r) for r in ROWS) + "\n"))
    assert stored(creator) == EXPECTED


def test_bad_csv_rows_are_reported_with_their_line_and_skipped(creator, tmp_path):
    content = (
        "kind,question,answer,text\n"
        'faq,"A question\nover two lines?",An answer.,\n'  # lines 2-3
        "faq,No answer?,,\n"  # line 4
        "tweet,,,hello\n"  # line 5
        "post,,,A post.\n"
    )
    out, err = run(creator.slug, write(tmp_path, "k.csv", content))
    assert "line 4: answer: Required for kind 'faq'." in err
    assert 'line 5: kind: "tweet" is not a valid choice.' in err
    assert "4 rows: 2 added, 0 already there, 2 invalid" in out
    assert KnowledgeItem.objects.count() == 2


def test_bad_json_items_are_reported_with_their_line(creator, tmp_path):
    content = '{"items": [\n  {"kind": "post", "text": "ok"},\n  "just a string",\n  {"kind": "faq",\n   "question": "q?"}\n]}'
    _, err = run(creator.slug, write(tmp_path, "k.json", content))
    assert "line 3: expected an object" in err
    assert "line 4: answer: Required for kind 'faq'." in err
    assert KnowledgeItem.objects.count() == 1


def test_bad_jsonl_lines_are_reported_and_skipped(creator, tmp_path):
    _, err = run(creator.slug, write(tmp_path, "k.jsonl", '{"kind": "post", "text": "ok"}\n\n{"kind": "post", "text": \n'))
    assert "line 3: invalid JSON" in err
    assert KnowledgeItem.objects.count() == 1


def test_strict_refuses_the_whole_file(creator, tmp_path):
    path = write(tmp_path, "k.csv", CSV + "faq,No answer?,,,,,\n")
    with pytest.raises(CommandError, match="Refused: 1 of 4 rows are invalid"):
        run(creator.slug, path, "--strict")
    assert not KnowledgeItem.objects.exists()


def test_reimporting_the_same_file_changes_nothing(creator, tmp_path):
    path = write(tmp_path, "k.csv", CSV)
    run(creator.slug, path)
    before = list(KnowledgeItem.objects.order_by("id").values_list("id", "prompt"))
    out, _ = run(creator.slug, path)
    assert "0 added, 3 already there" in out
    assert list(KnowledgeItem.objects.order_by("id").values_list("id", "prompt")) == before


def test_it_imports_in_batches_and_reports_progress(creator):
    lines = "\n".join(json.dumps({"kind": "post", "text": f"Post number {i}"}) for i in range(7))
    progress: list[int] = []
    report = knowledge_import(creator=creator, stream=io.StringIO(lines), fmt="jsonl", batch_size=3, progress=progress.append)
    assert (report.rows, report.created) == (7, 7)
    assert progress == [3, 3, 1]


def test_rows_repeated_within_a_file_are_stored_once(creator, tmp_path):
    out, _ = run(creator.slug, write(tmp_path, "k.csv", CSV + CSV.split("\n", 1)[1]))
    assert "6 rows: 3 added, 3 already there" in out
    assert KnowledgeItem.objects.count() == 3


def test_imported_items_are_indexed_for_retrieval(creator, tmp_path):
    run(creator.slug, write(tmp_path, "k.csv", CSV))
    faq = KnowledgeItem.objects.get(kind="faq")
    assert faq.embedding_model and faq.embedding is not None and faq.language == "en"
    assert search(creator_id=creator.id, text="wat camera do u use")[0].item == faq


def test_it_imports_only_into_the_named_creator(creator, other_creator, tmp_path):
    run(other_creator.slug, write(tmp_path, "k.csv", CSV))
    assert not KnowledgeItem.objects.filter(creator=creator).exists()
    assert stored(other_creator) == EXPECTED


def test_an_unknown_creator_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="No creator with slug 'nobody'"):
        run("nobody", write(tmp_path, "k.csv", CSV))


def test_a_csv_without_a_kind_column_is_refused(creator, tmp_path):
    with pytest.raises(CommandError, match="at least 'kind'"):
        run(creator.slug, write(tmp_path, "k.csv", "question,answer\nq?,a.\n"))


def test_broken_json_is_refused_with_its_line(creator, tmp_path):
    with pytest.raises(CommandError, match="Invalid JSON at line 3"):
        run(creator.slug, write(tmp_path, "k.json", '[\n{"kind": "post", "text": "a"},\n{"kind": }\n]'))
    assert not KnowledgeItem.objects.exists()


def test_the_format_can_be_given_when_the_extension_says_nothing(creator, tmp_path):
    run(creator.slug, write(tmp_path, "export.txt", CSV), "--format", "csv")
    assert stored(creator) == EXPECTED
