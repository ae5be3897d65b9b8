"""Comments triaged per second by a real Celery worker (ONE process, one core): a burst of
comments stored in one ingest call, each with its process_comment wake-up on Redis; the worker
triages the creator's waiting comments in batches and drafts one comment per task afterwards.
Reports how long after the ingest returned (committed, wake-ups sent) the whole burst was triaged (each comment's `triaged_at`),
and how long until every comment had its final status (the creator has no knowledge, so the
grounded drafter abstains quickly: drafting speed is bench/clone_throughput.py's subject).

    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/triage_live.py [--comments 2000] [--unique]
"""

import argparse
import json
import os
import subprocess
import sys
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # per core: no BLAS thread pool
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-triage-live-{os.getpid()}"

from _setup import ROOT, drop_database, scratch_database, wait_until  # noqa: E402

DB = os.getenv("BENCH_DB", "replyqueue_bench_triage_live")


def cpu_seconds(parent: int) -> float:
    """User + system CPU time of the worker's pool processes (its children), from /proc."""
    total = 0.0
    for task in os.listdir(f"/proc/{parent}/task"):
        for child in open(f"/proc/{parent}/task/{task}/children").read().split():
            fields = open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument(
        "--unique", action="store_true",
        help="make every text distinct (' (n)' appended), as real traffic is: the evaluation texts repeat, and the "
             "worker's embedding cache would embed each only once",
    )
    options = parser.parse_args()
    url = scratch_database(DB)
    worker = None
    try:
        from django.db.models import Count

        from accounts.services import creator_create
        from replyqueue.clone.models import CommunityRule, Persona
        from replyqueue.comments.models import Comment, CommentStatus
        from replyqueue.comments.services import comments_ingest

        creator = creator_create(slug="bench", owner_email="bench@example.com")
        for i, (kind, value) in enumerate(
            [("phrase", "onlyfans\nmy ex"), ("link", ""), ("pattern", r"\bsub4sub\b"), ("topic", "politics / élections"), ("muted_fan", "troll_42")]
        ):
            CommunityRule.objects.create(creator=creator, name=f"r{i}", kind=kind, value=value, action="no_reply")
        Persona.objects.update_or_create(creator=creator, defaults={"avoid_topics": ["enceinte / bébé / pregnant", "salaire / how much do you earn"]})
        cases = [json.loads(line) for line in (ROOT / "datasets" / "triage_fresh.jsonl").read_text().splitlines()]
        texts = [c["text"] for c in cases] * (options.comments // len(cases) + 1)
        if options.unique:
            texts = [f"{text} ({i})" for i, text in enumerate(texts)]

        env = dict(os.environ, DATABASE_URL=url.replace("postgresql://", "postgres://"), PYTHONUNBUFFERED="1")
        log = open(ROOT / "var" / "bench_triage_live.log", "w")  # noqa: SIM115 (closed with the worker)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "replyqueue", "worker", "--concurrency", "1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )

        def item(i: int, text: str) -> dict:
            return {"platform": "youtube", "external_id": f"b{i}", "text": text, "author": {"external_id": f"fan{i % 300}", "name": "Fan"}}

        # Warm-up: the worker loads the embedding and triage models at its first comment.
        comments_ingest(creator=creator, items=[item(-1, "warm-up: what camera do you use?")])
        wait_until(lambda: not Comment.objects.filter(status=CommentStatus.RECEIVED).exists(), 120, "the warm-up comment")

        burst = [item(i, text) for i, text in enumerate(texts[: options.comments])]
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(worker.pid)
        started = time.perf_counter()
        comments_ingest(creator=creator, items=burst)  # commits, then sends one wake-up per comment
        stored, committed_wall = time.perf_counter() - started, time.time()
        burst_rows = Comment.objects.exclude(external_id="b-1")
        wait_until(lambda: not burst_rows.filter(triaged_at__isnull=True).exists(), 600, "triage of the burst")
        cpu = cpu_seconds(worker.pid) - cpu_before  # the worker triages the whole burst before drafting any of it
        load_after = os.getloadavg()[0]
        stamps = sorted(t.timestamp() for t in burst_rows.values_list("triaged_at", flat=True))
        triaged = stamps[-1] - committed_wall
        wait_until(lambda: not burst_rows.filter(status=CommentStatus.RECEIVED).exists(), 900, "every comment's final status")
        done = max(burst_rows.values_list("processed_at", flat=True)).timestamp() - committed_wall
        counts = dict(burst_rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        n = len(burst)
        print(f"ingest of {n:,} comments (one call, PostgreSQL, wake-ups sent): {stored:.2f} s")
        print(f"live triage, 1 worker process: all {n:,} triaged {triaged:.2f} s after the ingest returned: {n / triaged:,.0f} comments/s")
        print(f"  first to last batch recorded by the worker: {stamps[-1] - stamps[0]:.2f} s; "
              f"worker CPU time until the burst was triaged: {cpu:.2f} s, {n / cpu:,.0f} comments per CPU-second")
        print(f"every comment final (drafted / no_reply / needs_human): {done:.2f} s; {counts}")
        print(f"load average (1 min) when the burst was stored / triaged: {load_before:.2f} / {load_after:.2f} "
              f"on {os.cpu_count()} CPUs (CPU time per comment grows with the load on shared cores)")
    finally:
        if worker is not None:
            worker.terminate()  # warm shutdown: the task in hand finishes first
            try:
                worker.wait(120)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            from replyqueue.celery import app

            app.control.purge()  # this run's own queue: wake-ups left for comments already done
        drop_database(DB)


if __name__ == "__main__":
    main()
