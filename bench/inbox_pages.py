"""Inbox page server time with 100,000 and 1,000,000 drafts on PostgreSQL, next to Django's admin
changelist listing the same rows; a spam mark from a draft card with the comments that read alike
offered, and marking them; and bulk-approving 1,000 drafts.

    .venv/bin/python bench/inbox_pages.py [--rows 100000 1000000]

Rows are generated with SQL (generate_series) into a scratch database that is dropped at the end.
Times are the median of 5 requests through Django's test client (no network), in milliseconds.
"""

import argparse
import os
import statistics
import time

from _setup import ROOT, drop_database, report, scratch_database

DB = os.getenv("BENCH_DB", "replyqueue_bench_inbox")
# Pages render with DEBUG off, as in production: static URLs come from collectstatic's manifest.
os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench-static"))


def fill(creator_id: int, rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO comments_fan (creator_id, platform, external_id, name)
               SELECT %s, 'youtube', 'fan-' || g, 'Fan ' || g FROM generate_series(1, %s) g""",
            [creator_id, max(rows // 10, 1)],
        )
        cursor.execute("SELECT min(id) FROM comments_fan WHERE creator_id = %s", [creator_id])
        first_fan = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO comments_comment (creator_id, platform, external_id, fan_id, parent_external_id, text,
                 received_at, status, reason, category, language, priority, reasons, reasons_i18n, owner_only, attempts,
                 labels, claimed_by)
               SELECT %s, 'youtube', 'c-' || g, %s + (g %% %s), '', 'What camera do you use? #' || g,
                 now() - (g || ' seconds')::interval, 'drafted', '', 'question', 'en', (g %% 7) * 10, '[]', '[]', false, 1,
                 '[]', ''
               FROM generate_series(1, %s) g""",
            [creator_id, first_fan, max(rows // 10, 1), rows],
        )
        cursor.execute(
            """INSERT INTO inbox_draft (creator_id, comment_id, status, text, drafted_text, sources, confidence, flags,
                 drafter, instruction, generation, rank, version, priority, usage, created_at)
               SELECT creator_id, id, 'pending', 'I shoot on the Sony A7 IV.', 'I shoot on the Sony A7 IV.', '[]', 0.9,
                 '[]', 'grounded', '', 1, 0, 1, priority, '{}', received_at
               FROM comments_comment WHERE creator_id = %s""",
            [creator_id],
        )
        cursor.execute("ANALYZE")


QUERIES: dict[str, int] = {}
BULK_ONLY = False


def timed(client, url: str, repeat: int = 5) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    QUERIES[url] = len(queries)
    return statistics.median(durations)


def deep_cursor(creator_id: int, position: int) -> str:
    from replyqueue.inbox.models import Draft

    draft = (
        Draft.objects.filter(creator_id=creator_id, status="pending", rank=0)
        .order_by("-priority", "-id")
        .values("priority", "id")[position]
    )
    return f"{draft['priority']}.{draft['id']}"


def run(rows: int) -> None:
    from django.test import Client

    from accounts.models import User
    from accounts.services import creator_create

    creator = creator_create(slug=f"bench-{rows}", owner_email=f"owner{rows}@example.com", password="pw-bench-1")
    owner = User.objects.get(email=f"owner{rows}@example.com")
    owner.is_staff = owner.is_superuser = True
    owner.save()
    started = time.perf_counter()
    fill(creator.id, rows)
    print(f"\n{rows:,} drafts generated in {time.perf_counter() - started:.1f}s")

    client = Client()
    client.force_login(owner)
    deep = int(rows * 0.9)
    if BULK_ONLY:
        return bulk(creator, owner)
    inbox_first = timed(client, "/inbox/")
    inbox_deep = timed(client, f"/inbox/?after={deep_cursor(creator.id, deep)}")
    per_page = 100  # the admin's default list_per_page
    admin_first = timed(client, "/admin/inbox/draft/?status__exact=pending")
    admin_deep = timed(client, f"/admin/inbox/draft/?status__exact=pending&p={deep // per_page}")
    print(f"{'page':<24}{'inbox (25 rows)':>16}{'admin (100 rows)':>18}{'admin / inbox':>15}")
    print(f"{'first page':<24}{inbox_first:>13.1f} ms{admin_first:>15.1f} ms{admin_first / inbox_first:>14.1f}x")
    print(f"{f'deep page (row {deep:,})':<24}{inbox_deep:>13.1f} ms{admin_deep:>15.1f} ms{admin_deep / inbox_deep:>14.1f}x")
    print(f"inbox deep / first: {inbox_deep / inbox_first:.2f}x   admin deep / first: {admin_deep / admin_first:.2f}x")
    print("queries per page: " + ", ".join(f"{url.split('?')[0]}{'(deep)' if 'after=' in url or '&p=' in url else ''} {n}"
                                           for url, n in QUERIES.items()))

    report("inbox_pages", rows=rows, inbox_first_ms=inbox_first, admin_first_ms=admin_first, inbox_deep_ms=inbox_deep,
           admin_deep_ms=admin_deep, admin_vs_inbox_first=admin_first / inbox_first,
           admin_vs_inbox_deep=admin_deep / inbox_deep)
    marks(client, creator, inbox_first)
    bulk(creator, owner)


def marks(client, creator, page_ms: float, repeat: int = 5) -> None:
    """A spam mark from a draft card, which reads up to MAX_SIMILAR_SCAN waiting comments and embeds
    them to offer the ones that read alike (the next mark finds most of them in the process's
    embedding cache), then marking the offered ones."""
    from replyqueue.inbox.models import Draft
    from replyqueue.inbox.selectors import MAX_SIMILAR_SCAN

    htmx = {"HTTP_HX_REQUEST": "true"}
    drafts = list(Draft.objects.filter(creator_id=creator.id, status="pending").order_by("-id")[: repeat + 1])
    durations, offered = [], 0
    for draft in drafts:
        started = time.perf_counter()
        response = client.post(f"/inbox/drafts/{draft.id}/mark/", {"category": "spam"}, **htmx)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        offered = response.content.decode().count('name="comment"')
    cold, warm = durations[0], statistics.median(durations[1:])
    ids = [str(d.comment_id) for d in Draft.objects.filter(creator_id=creator.id, status="pending").order_by("-id")[:offered]]
    started = time.perf_counter()
    response = client.post("/inbox/comments/mark-similar/", {"category": "spam", "comment": ids}, **htmx)
    marked_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    print(f"spam mark from a draft card, {MAX_SIMILAR_SCAN} waiting comments read, {offered} offered: "
          f"{warm:.0f} ms (the first of this run: {cold:.0f} ms; a process's first mark loads the encoder), "
          f"{warm / page_ms:.1f}x the first inbox page; "
          f"marking the {len(ids)} offered: {marked_ms:.0f} ms")
    report("spam_mark", rows=Draft.objects.filter(creator_id=creator.id).count(), mark_ms=warm, cold_mark_ms=cold,
           mark_vs_first_page=warm / page_ms, offered=offered, mark_offered_ms=marked_ms)


def bulk(creator, owner) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from replyqueue.inbox.actions import Actor, drafts_bulk_approve
    from replyqueue.inbox.models import Draft
    from replyqueue.publishing.models import Publication

    for label, actor in (("owner", Actor(role="owner", user=owner)), ("assistant", Actor(role="assistant", user=owner))):
        ids = list(Draft.objects.filter(creator_id=creator.id, status="pending").values_list("id", flat=True)[:1000])
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            result = drafts_bulk_approve(creator_id=creator.id, actor=actor, draft_ids=ids)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        publications = Publication.objects.filter(draft_id__in=result.approved).count()
        print(
            f"bulk approve as {label}: {len(result.approved)} drafts ({publications} publications, "
            f"{len(result.skipped)} skipped) in {elapsed:.2f}s ({len(result.approved) / elapsed:.0f} drafts/s), "
            f"{len(queries)} queries, {cpu:.2f}s CPU in this process; load average {os.getloadavg()[0]:.1f}"
        )
        report(f"bulk_approve_{label}", approved=len(result.approved), seconds=elapsed,
               drafts_per_s=len(result.approved) / elapsed)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]
        print("  slowest: " + "; ".join(f"{float(q['time']) * 1000:.0f} ms {q['sql'][:70]}" for q in slowest))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--bulk-only", action="store_true", help="skip the page timings")
    args = parser.parse_args()
    global BULK_ONLY
    BULK_ONLY = args.bulk_only
    scratch_database(DB)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    try:
        for rows in args.rows:
            run(rows)
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
