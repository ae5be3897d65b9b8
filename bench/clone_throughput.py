"""Drafting speed of the grounded clone on PostgreSQL + Redis + real Celery workers, for a
creator with 100,000 knowledge items: the import (embeddings included) through import_knowledge,
drafts per second with 1 and 2 worker processes against Celery no-op tasks per second under the
same worker settings (the ratio is the figure), the worker's memory with the model and index
loaded, and the ingest -> draft latency (p50, p95).

    .venv/bin/python bench/clone_throughput.py [--items 100000] [--comments 400]

Uses its own scratch database and Redis database 14 (BENCH_DB, BENCH_REDIS_URL override them);
both are emptied before and after.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time

from _setup import ROOT, drop_database, percentile, report, scratch_database, use_database

DB = os.getenv("BENCH_DB", "replyqueue_bench_clone")
LATENCY: dict[str, float] = {}  # ingest -> draft of the steady trickle, for report()
REDIS = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

GEAR = ["camera", "lens", "drone", "tripod", "microphone", "backpack", "laptop", "filter", "gimbal", "light"]
PLACES = ["Lisbon", "Kyoto", "Iceland", "Lofoten", "Patagonia", "Hanoi", "Marrakech", "Oslo", "Lima", "Cusco"]


def knowledge(count: int, rng: random.Random):
    from replyqueue.clone.knowledge import KnowledgeInput

    for n in range(count):
        gear, place = rng.choice(GEAR), rng.choice(PLACES)
        model = f"{rng.choice('ABCDEFGHKLMNPRSTVZ')}{rng.choice('aeiou')}{rng.choice('klmnrstvz')}{n % 997}"
        yield KnowledgeInput(
            "faq",
            f"Which {gear} did you use for the {place} video part {n}?",
            f"For the {place} video part {n} I used the {model} {gear}.",
        )


def comments(count: int, rng: random.Random, offset: int) -> list[dict]:
    items = []
    for i in range(count):
        n = rng.randrange(100_000)
        gear, place = rng.choice(GEAR), rng.choice(PLACES)
        text = rng.choice([f"which {gear} for the {place} video part {n}??", f"wat {gear} did u use in {place} part {n}"])
        items.append({
            "platform": "youtube", "external_id": f"b{offset + i}", "text": text,
            "author": {"external_id": f"fan{i % 50}", "name": "Fan"},
        })
    return items


def start_workers(processes: int, log) -> subprocess.Popen:
    env = dict(os.environ, CELERY_BROKER_URL=REDIS)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "replyqueue", "worker", "--concurrency", str(processes),
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def worker_cpu_seconds(main_pid: int) -> float:
    """CPU time (user + system) used so far by the worker's pool processes."""
    total = 0.0
    for pid in subprocess.run(["pgrep", "-P", str(main_pid)], capture_output=True, text=True).stdout.split():
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_rss_mb(main_pid: int) -> float:
    """The largest resident set of the worker's pool processes (the main process included)."""
    pids = [main_pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(main_pid)], capture_output=True, text=True).stdout.split()]
    sizes = []
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(sizes, default=0.0)


def noop_rate(processes: int, count: int) -> float:
    """Celery's built-in ping task through the same broker and worker settings: the floor of what
    any task costs here."""
    import redis

    from replyqueue.celery import app

    queue = redis.Redis.from_url(REDIS)
    with open(ROOT / "var" / f"bench-noop-{processes}.log", "w") as log:
        workers = start_workers(processes, log)
        try:
            time.sleep(6)
            started = time.time()
            for _ in range(count):
                app.send_task("celery.ping", ignore_result=True)
            while (queue.llen("celery") or queue.hlen("unacked")) and time.time() < started + 300:
                time.sleep(0.01)
            span = time.time() - started
        finally:
            os.killpg(workers.pid, signal.SIGTERM)
            workers.wait(timeout=30)
    rate = count / span
    print(f"no-op tasks, {processes} worker process{'es' if processes > 1 else ''}: {count} in {span:.1f}s = {rate:.1f}/s")
    return rate


def measure(creator, processes: int, count: int, offset: int, per_second: float | None = None) -> float:
    from replyqueue.comments.models import Comment
    from replyqueue.comments.services import comments_ingest

    rng = random.Random(processes)
    with open(ROOT / "var" / f"bench-worker-{processes}.log", "w") as log:
        workers = start_workers(processes, log)
        try:
            time.sleep(4)  # let the workers connect before the clock starts
            # One comment per process first: each loads the model and builds the creator's index.
            warm = comments(processes * 2, rng, offset + 10_000_000)
            for item in warm:  # one task each (a batch would be one task, warming one process)
                comments_ingest(creator=creator, items=[item])
            warm_ids = [c["external_id"] for c in warm]
            while Comment.objects.filter(external_id__in=warm_ids, status="received").exists():
                time.sleep(0.2)
            started, cpu_before = time.time(), worker_cpu_seconds(workers.pid)
            batch = comments(count, rng, offset)
            if per_second:  # a steady trickle: latency without a queue in front of the worker
                for i, item in enumerate(batch):
                    comments_ingest(creator=creator, items=[item])
                    time.sleep(max(0.0, started + (i + 1) / per_second - time.time()))
            else:  # a burst: throughput
                for i in range(0, count, 100):
                    comments_ingest(creator=creator, items=batch[i : i + 100])
            deadline = time.time() + 600
            ids = [f"b{offset + i}" for i in range(count)]
            while Comment.objects.filter(external_id__in=ids, status="received").exists() and time.time() < deadline:
                time.sleep(0.2)
            rows = list(Comment.objects.filter(external_id__in=ids).values_list("received_at", "processed_at", "status"))
            rss, cpu = worker_rss_mb(workers.pid), worker_cpu_seconds(workers.pid) - cpu_before
        finally:
            os.killpg(workers.pid, signal.SIGTERM)
            workers.wait(timeout=30)
    done = [(r, p) for r, p, s in rows if p is not None]
    latencies = [(p - r).total_seconds() * 1000 for r, p in done]
    span = max(p for _, p in done).timestamp() - started
    statuses = {s: sum(1 for *_, x in rows if x == s) for s in {s for *_, s in rows}}
    mode = f"trickle of {per_second:g}/s" if per_second else "burst"
    if per_second:
        LATENCY.update(p50_ms=percentile(latencies, 0.5), p95_ms=percentile(latencies, 0.95))
    print(
        f"{mode}, {processes} worker process{'es' if processes > 1 else ''}: {len(done)} comments in {span:.1f}s = "
        f"{len(done) / span:.1f} drafts/s ({len(done) / span / processes:.1f} per process); "
        f"ingest->draft p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms; {statuses}; "
        f"largest worker process {rss:.0f} MB; worker CPU {1000 * cpu / max(len(done), 1):.1f} ms per comment"
    )
    return len(done) / span


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument("--trickle", type=int, default=100, help="comments sent at 5/s for the latency")
    parser.add_argument("--reuse", action="store_true", help="keep the knowledge a previous run left (with --keep)")
    parser.add_argument("--keep", action="store_true", help="leave the scratch database for a later --reuse")
    args = parser.parse_args()
    if args.reuse:
        use_database(DB)
    else:
        scratch_database(DB)
    os.environ["CELERY_BROKER_URL"] = REDIS
    try:
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        from django.conf import settings

        settings.CELERY_BROKER_URL = REDIS
        from replyqueue.celery import app

        app.conf.broker_url = REDIS

        from accounts.services import creator_create

        creator = creator_create(slug="bench", owner_email="bench@example.com")
        rng = random.Random(7)
        if args.reuse:
            from replyqueue.comments.models import Comment

            Comment.objects.filter(creator=creator).delete()
        else:
            import_knowledge(args.items, rng)
        noop = noop_rate(1, 2000)

        one = measure(creator, 1, args.comments, 0)
        print(f"drafts/s per worker process / no-op tasks/s, 1 process: {one / noop:.2f}x (target >= 0.2x)")
        two = measure(creator, 2, args.comments, args.comments)
        print(f"burst, 2 processes / 1 process: {two / one:.2f}x (the machine has {os.cpu_count()} cores)")
        measure(creator, 1, args.trickle, 2 * args.comments, per_second=5)
        report("clone_throughput", drafts_per_s=one, noop_per_s=noop, drafts_vs_noop=one / noop,
               two_vs_one=two / one, **LATENCY)
    finally:
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        if not args.keep:
            drop_database(DB)


def import_knowledge(count: int, rng: random.Random) -> None:
    from django.core.management import call_command

    path = ROOT / "var" / "bench-knowledge.jsonl"
    with open(path, "w") as out:
        for item in knowledge(count, rng):
            out.write(json.dumps({"kind": "faq", "question": item.prompt, "answer": item.body}) + "\n")
    started = time.perf_counter()
    call_command("import_knowledge", "bench", str(path), "--no-progress")
    print(f"{count:,} knowledge items imported (embeddings included) in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
