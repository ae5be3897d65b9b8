"""Importing knowledge from a file: CSV, JSON or JSONL.

Shared by `manage.py import_knowledge` and the upload on the knowledge settings page. Each row is
validated exactly like an item posted to the API (the same serializer); bad rows are reported
with their line number and skipped, or, in strict mode, refuse the whole file before anything is
stored. Valid rows go through `knowledge_add` in batches, each batch its own transaction, so a
huge file never holds one giant transaction, and re-importing the same file changes nothing.
"""

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TextIO

from django.db import connection
from django.utils.translation import gettext, ngettext
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import as_serializer_error

from accounts.models import Creator
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add_counted, knowledge_input_from_api
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.serializers import KnowledgeIn

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
API_FIELDS = ("kind", "question", "answer", "comment", "reply", "title", "text")
BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 1000
ANALYZE_FIRST_AFTER = 10_000
_WHITESPACE = re.compile(r"\s*")

csv.field_size_limit(1_000_000)  # a post's text may be 100,000 characters; the default limit is 131,072


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header, broken JSON)."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    invalid: int = 0
    refused: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_error(self, line: int, message: str) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, message))

    @property
    def summary(self) -> str:
        counts = {"rows": self.rows, "created": self.created, "unchanged": self.unchanged, "invalid": self.invalid}
        if self.refused:
            return ngettext(
                "Refused: %(invalid)s of %(rows)s row is invalid (strict mode); nothing was imported.",
                "Refused: %(invalid)s of %(rows)s rows are invalid (strict mode); nothing was imported.",
                self.rows,
            ) % counts
        return ngettext(
            "%(rows)s row: %(created)s added, %(unchanged)s already there, %(invalid)s invalid (skipped).",
            "%(rows)s rows: %(created)s added, %(unchanged)s already there, %(invalid)s invalid (skipped).",
            self.rows,
        ) % counts


def format_for(filename: str) -> str:
    fmt = FORMATS.get(PurePath(filename).suffix.lower())
    if fmt is None:
        raise ImportFileError(
            gettext("Unknown file type '%(suffix)s': use .csv, .json or .jsonl.") % {"suffix": PurePath(filename).suffix}
        )
    return fmt


class _NotAnObject:
    """A row that is not a JSON object, carried to validation to be reported with its line."""


def _csv_rows(stream: TextIO, report: ImportReport) -> Iterator[tuple[int, object]]:
    reader = csv.DictReader(stream)
    header = reader.fieldnames or []
    if "kind" not in header:
        raise ImportFileError(
            gettext("The CSV header must name the columns, with at least 'kind' (%(fields)s).")
            % {"fields": ", ".join(API_FIELDS)}
        )
    unknown = [name for name in header if name not in API_FIELDS]
    if unknown:
        report.warnings.append(gettext("Ignored unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    line = reader.line_num + 1
    for row in reader:
        # An empty cell means "not given", as a missing key would in JSON.
        yield line, {k: v for k, v in row.items() if k in API_FIELDS and v not in (None, "")}
        line = reader.line_num + 1


def _jsonl_rows(stream: TextIO) -> Iterator[tuple[int, object]]:
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as error:
            yield number, ValueError(
                gettext("invalid JSON (%(error)s, column %(column)s)") % {"error": error.msg, "column": error.colno}
            )


def _skip_whitespace(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()


def _items_array_start(text: str, decoder: json.JSONDecoder) -> int:
    """Where the `items` list of a top-level {"items": [...]} object starts (the last one wins,
    as in json.loads)."""
    start, pos = -1, _skip_whitespace(text, _skip_whitespace(text, 0) + 1)
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_whitespace(text, _skip_whitespace(text, pos) + 1)  # past the colon
        if key == "items":
            start = pos
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_whitespace(text, pos)
        if text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)
    return start


def _json_rows(stream: TextIO) -> Iterator[tuple[int, object]]:
    text = stream.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            gettext("Invalid JSON at line %(line)s, column %(column)s: %(error)s.")
            % {"line": error.lineno, "column": error.colno, "error": error.msg}
        ) from None
    decoder = json.JSONDecoder()
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        pos = _items_array_start(text, decoder)
    elif isinstance(data, list):
        pos = _skip_whitespace(text, 0)
    else:
        raise ImportFileError(gettext('JSON must be a list of items, or {"items": [...]}.'))
    # The file parsed, so walking the list item by item cannot fail: it only finds each line.
    pos, line, counted = _skip_whitespace(text, pos + 1), 1, 0
    while text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        item, pos = decoder.raw_decode(text, pos)
        yield line, item
        pos = _skip_whitespace(text, pos)
        if text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)


def read_rows(stream: TextIO, fmt: str, report: ImportReport) -> Iterator[tuple[int, object]]:
    """(line number, raw row) for each row of the file."""
    try:
        if fmt == "csv":
            yield from _csv_rows(stream, report)
        elif fmt == "jsonl":
            yield from _jsonl_rows(stream)
        elif fmt == "json":
            yield from _json_rows(stream)
        else:
            raise ImportFileError(gettext("Unknown format '%(format)s': use csv, json or jsonl.") % {"format": fmt})
    except UnicodeDecodeError:
        raise ImportFileError(gettext("The file is not UTF-8 text.")) from None
    except csv.Error as error:
        raise ImportFileError(gettext("Invalid CSV: %(error)s.") % {"error": error}) from None


def _error_message(errors) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in errors.items())
    return " ".join(map(str, errors))


def validate_item(validator: KnowledgeIn, raw: object) -> KnowledgeInput | str:
    """The item as the API would store it, or the API's error message for it.

    `validator` is one KnowledgeIn reused for every row: its fields are built once, which makes
    validating 100,000 rows take seconds instead of most of a minute."""
    if isinstance(raw, ValueError):
        return str(raw)
    if not isinstance(raw, dict):
        return gettext("expected an object with 'kind' and its fields")
    try:
        return knowledge_input_from_api(validator.run_validation(raw))
    except ValidationError as error:
        return _error_message(as_serializer_error(error))


def valid_items(stream: TextIO, fmt: str, report: ImportReport) -> Iterator[KnowledgeInput]:
    """The valid rows; each invalid one is recorded in the report with its line."""
    validator = KnowledgeIn()
    for line, raw in read_rows(stream, fmt, report):
        report.rows += 1
        result = validate_item(validator, raw)
        if isinstance(result, str):
            report.add_error(line, result)
        else:
            yield result


def refresh_statistics() -> None:
    """Refresh PostgreSQL's planner statistics for the knowledge tables.

    Until autovacuum gets to it (never, where it is off), the planner believes a creator who
    just imported 50,000 items has a few hundred, and looks duplicates up by scanning all of
    them instead of through the unique index: each batch gets slower than the last. Retrieval
    over the term index has the same problem after a big import."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (KnowledgeItem,))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _store(creator: Creator, batch: list[KnowledgeInput], origin: str, report: ImportReport) -> None:
    _, created = knowledge_add_counted(creator=creator, items=batch, origin=origin)
    report.created += created
    report.unchanged += len(batch) - created


def knowledge_import(
    *,
    creator: Creator,
    stream: TextIO,
    fmt: str,
    strict: bool = False,
    origin: str = "import",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a file's rows as the creator's knowledge. `stream` must be seekable in strict mode
    (the file is validated whole before the first row is stored). `progress` is called with the
    number of rows handled after each batch."""
    if strict:
        checked = ImportReport()
        for _ in valid_items(stream, fmt, checked):
            pass
        if checked.invalid:
            checked.refused = True
            return checked
        stream.seek(0)
    report = ImportReport()
    batch: list[KnowledgeInput] = []
    seen, next_analyze = 0, ANALYZE_FIRST_AFTER
    for item in valid_items(stream, fmt, report):
        batch.append(item)
        if len(batch) >= batch_size:
            _store(creator, batch, origin, report)
            batch = []
            if report.created >= next_analyze:  # at 10k, 20k, 40k ... new items: a handful in all
                refresh_statistics()
                next_analyze *= 2
            if progress:
                progress(report.rows - seen)
                seen = report.rows
    if batch:
        _store(creator, batch, origin, report)
    if report.created >= batch_size:
        refresh_statistics()
    if progress and report.rows > seen:
        progress(report.rows - seen)
    return report
