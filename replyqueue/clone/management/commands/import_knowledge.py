import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import Creator
from replyqueue.clone.importing import BATCH_SIZE, ImportFileError, format_for, knowledge_import


def estimated_rows(path: Path, fmt: str) -> int | None:
    """Lines in a CSV or JSONL file (about one row each), for the progress bar; None for JSON."""
    if fmt == "json":
        return None
    with path.open("rb") as raw:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
    return max(lines - (1 if fmt == "csv" else 0), 0)


class Command(BaseCommand):
    help = (
        "Import knowledge (FAQs, past replies, posts) from a CSV, JSON or JSONL file with the API's field names "
        "(kind, question, answer, comment, reply, title, text). Invalid rows are reported with their line and "
        "skipped (--strict refuses the whole file). Safe to run again: stored items are not duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("creator_slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["csv", "json", "jsonl"], help="default: from the file's extension")
        parser.add_argument("--strict", action="store_true", help="refuse the whole file if any row is invalid")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, creator_slug, file: Path, format, strict, batch_size, no_progress, **options):
        creator = Creator.objects.filter(slug=creator_slug).first()
        if creator is None:
            raise CommandError(f"No creator with slug '{creator_slug}'.")
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        started = time.monotonic()
        try:
            fmt = format or format_for(file.name)
            total = estimated_rows(file, fmt)
            with (
                file.open(encoding="utf-8-sig", newline="") as stream,
                tqdm(total=total, unit="rows", disable=no_progress, file=sys.stderr) as bar,
            ):
                report = knowledge_import(
                    creator=creator, stream=stream, fmt=fmt, strict=strict, batch_size=batch_size, progress=bar.update
                )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for warning in report.warnings:
            self.stderr.write(warning)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.invalid > len(report.errors):
            self.stderr.write(f"... and {report.invalid - len(report.errors)} more invalid rows.")
        if report.refused:
            raise CommandError(report.summary)
        self.stdout.write(f"{report.summary} ({time.monotonic() - started:.1f}s)")
