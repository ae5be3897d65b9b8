"""Publishing speed on PostgreSQL + Redis + real Celery workers, to a loopback Standard Webhooks
receiver: deliveries per second with 1 and 2 worker processes, and approval -> delivery latency
(p50, p95) at a steady approval rate.

    .venv/bin/python bench/publish_throughput.py [--replies 400] [--paced 120] [--rate 15]
                                                 [--concurrency 1] [--receiver-latency-ms 20]

Each rate is also printed as a ratio of the receiver-bound limit, concurrency / receiver latency,
where concurrency is every send that can be in flight: worker processes x pool processes x
PUBLISH_BATCH_SIZE (a publish task keeps that many requests in flight). 1.0 means the sender adds
nothing to the receiver's latency. The ratio to one request per process (the bound before batches)
is printed after it for comparison with older figures.

Throughput: `--replies` replies approved ahead (inside their undo window), then all released at
once; the clock runs from the release to the last delivery. Latency: `--paced` replies approved one
by one at `--rate` per second, each measured from its approval to its arrival at the receiver.
The receiver answers every request after `--receiver-latency-ms` (a real endpoint is not instant).

Uses its own scratch database, Redis database 13 and queue `bench-publish` (BENCH_DB,
BENCH_REDIS_URL, BENCH_QUEUE override them); all are dropped after.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

from _setup import ROOT, drop_database, percentile, report, scratch_database, wait_until

# Override when several checkouts run the bench on one machine: each needs its own database and queue.
DB = os.getenv("BENCH_DB", "replyqueue_bench_publish")
REDIS = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = os.getenv("BENCH_QUEUE", "bench-publish")


def start_workers(count: int, concurrency: int, name: str) -> list[subprocess.Popen]:
    env = dict(os.environ, CELERY_BROKER_URL=REDIS, CELERY_TASK_DEFAULT_QUEUE=QUEUE, LOST_TASK_SECONDS="600")
    workers = []
    for n in range(count):
        log = open(ROOT / "var" / f"bench-publish-{name}-{n}.log", "w")  # noqa: SIM115 - closed at exit
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "replyqueue", "worker", "--concurrency", str(concurrency),
             "--hostname", f"bench{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    return workers


def _cpu_ticks(pid: int) -> tuple[int, int]:
    """(parent pid, user + system clock ticks) of a process, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def wait_idle(workers: list[subprocess.Popen], concurrency: int, timeout: float = 180) -> None:
    """Until every worker's pool processes are up and idle: a child loads the embedding model when it
    starts (seconds of CPU), and a worker still loading would be missing from the measured run."""
    if not os.path.isdir("/proc"):
        time.sleep(20)
        return
    roots = {worker.pid for worker in workers}
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        ticks, children = 0, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                parent, used = _cpu_ticks(int(entry))
            except (OSError, IndexError, ValueError):
                continue
            if parent in roots or int(entry) in roots:
                ticks += used
                if parent in roots:
                    children[parent] = children.get(parent, 0) + 1
        ready = all(children.get(root, 0) >= concurrency for root in roots)
        if ready and previous is not None and ticks - previous <= 5:  # under 50 ms of CPU in 0.5 s
            return
        previous = ticks
        time.sleep(0.5)
    raise SystemExit("timed out waiting for the workers to be idle")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)  # each worker's own process group: only what we started
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def drafts(creator, prefix: str, count: int) -> list:
    from replyqueue.comments.services import comments_ingest
    from replyqueue.inbox.drafting import comment_process
    from replyqueue.inbox.models import Draft

    items = [
        {"platform": "youtube", "external_id": f"{prefix}{n}", "text": "What camera do you use?",
         "author": {"external_id": f"fan{n % 50}", "name": "Fan"}}
        for n in range(count)
    ]
    for start in range(0, count, 200):
        for result in comments_ingest(creator=creator, items=items[start:start + 200]):
            comment_process(comment_id=result.comment.id)  # a running worker may draft some first
    found = Draft.objects.filter(comment__external_id__startswith=prefix, status="pending")
    wait_until(lambda: found.count() == count, 60, "every comment drafted")
    return list(found.select_related("creator", "comment"))


def purge_queue() -> None:
    from replyqueue.celery import app

    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)


def throughput(creator, owner, receiver, count: int, workers: int, concurrency: int) -> float:
    """Deliveries per second: `count` approved replies released at once to `workers` processes."""
    from django.utils import timezone

    from replyqueue.inbox.actions import Actor, draft_approve
    from replyqueue.publishing.models import Publication
    from replyqueue.publishing.tasks import enqueue_publish

    creator.undo_delay_seconds = 3600  # approved now, released together below
    creator.save()
    actor = Actor(role="owner", user=owner)
    ids = [draft_approve(draft=d, actor=actor, confirm=True).id for d in drafts(creator, f"t{workers}-", count)]
    purge_queue()  # the comments' own processing tasks: already done in-process
    processes = start_workers(workers, concurrency, f"throughput-{workers}")
    try:
        wait_idle(processes, concurrency)
        warm_up(creator, owner, receiver, f"w{workers}-")
        before = receiver.unique_deliveries
        started = time.time()
        Publication.objects.filter(id__in=ids).update(due_at=timezone.now())
        enqueue_publish(ids)
        wait_until(lambda: receiver.unique_deliveries - before >= count, 300, "every delivery")
        keys = Publication.objects.filter(id__in=ids).values_list("idempotency_key", flat=True)
        finished = max(receiver.arrivals[key] for key in keys)
    finally:
        stop_workers(processes)
    return count / (finished - started)


def warm_up(creator, owner, receiver, prefix: str) -> None:
    """A few replies through the fresh workers before the clock starts (imports, connections)."""
    from replyqueue.inbox.actions import Actor, draft_approve

    creator.undo_delay_seconds = 0
    creator.save()
    before = receiver.unique_deliveries
    batch = drafts(creator, prefix, 8)
    for draft in batch:
        draft_approve(draft=draft, actor=Actor(role="owner", user=owner), confirm=True)
    wait_until(lambda: receiver.unique_deliveries - before >= len(batch), 60, "the warm-up deliveries")


def latency(creator, owner, receiver, count: int, rate: float, workers: int, concurrency: int) -> list[float]:
    """Approval -> delivery seconds for `count` replies approved one by one at `rate` per second."""
    from replyqueue.inbox.actions import Actor, draft_approve

    processes = start_workers(workers, concurrency, f"latency-{workers}")
    try:
        wait_idle(processes, concurrency)
        warm_up(creator, owner, receiver, f"lw{workers}-")
        batch = drafts(creator, f"l{workers}-", count)
        purge_queue()  # their processing tasks, no-ops by now, would only delay the first sends
        approved = {}
        for n, draft in enumerate(batch):
            due = time.time() + 1 / rate if n else time.time()
            publication = draft_approve(draft=draft, actor=Actor(role="owner", user=owner), confirm=True)
            approved[publication.idempotency_key] = publication.created_at.timestamp()
            time.sleep(max(0.0, due - time.time()))
        wait_until(lambda: all(key in receiver.arrivals for key in approved), 120, "the paced deliveries")
    finally:
        stop_workers(processes)
    return [receiver.arrivals[key] - at for key, at in approved.items()]


def load() -> str:
    """The load average (1, 5, 15 min) as `uptime` prints it: printed with every figure, since the
    machine these run on is often shared and the figures move with it."""
    return "load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=400)
    parser.add_argument("--paced", type=int, default=120)
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--receiver-latency-ms", type=float, default=20.0)
    args = parser.parse_args()

    # The receiver is on loopback: allow it, as DEBUG or the test suite would (SSRF guard).
    os.environ.update(CELERY_BROKER_URL=REDIS, CELERY_TASK_DEFAULT_QUEUE=QUEUE, LOG_LEVEL="WARNING",
                      WEBHOOK_ALLOW_PRIVATE_NETWORKS="1")
    (ROOT / "var").mkdir(exist_ok=True)
    scratch_database(DB)
    try:
        run(args)
    finally:
        purge_queue()
        drop_database(DB)


def run(args) -> None:
    from accounts.services import creator_create, webhook_set
    from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
    from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver

    creator = creator_create(slug="bench", name="Bench", owner_email="bench@example.com", password="bench-only")
    owner = creator.memberships.get().user
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV.")])
    receiver = ReceiverState(secret="", latency=args.receiver_latency_ms / 1000)
    server = start_receiver(receiver)
    receiver.secret = webhook_set(creator=creator, url=f"http://127.0.0.1:{server.server_port}/hook")

    from django.conf import settings

    batch = settings.PUBLISH_BATCH_SIZE
    print(f"publish throughput: {args.replies} replies released at once, receiver latency "
          f"{args.receiver_latency_ms:g} ms, {args.concurrency} pool process(es) per worker, "
          f"PUBLISH_BATCH_SIZE {batch}")
    rates = {}
    for workers in (1, 2):
        rates[workers] = throughput(creator, owner, receiver, args.replies, workers, args.concurrency)
        # The receiver-bound limit: every send that can be in flight (PUBLISH_BATCH_SIZE per pool
        # process) always waiting on the receiver.
        seconds = args.receiver_latency_ms / 1000
        one_each = workers * args.concurrency / seconds if seconds else 0
        bound = one_each * batch
        ratio = (f"  {rates[workers] / bound:.2f} of the receiver-bound {bound:.0f}/s"
                 f" ({workers * args.concurrency} x {batch} in flight / {args.receiver_latency_ms:g} ms)"
                 f"  [{rates[workers] / one_each:.2f} of {one_each:.0f}/s, one request per process]"
                 if bound else "")
        print(f"  {workers} worker(s): {rates[workers]:7.1f} deliveries/s{ratio}  ({load()})")
    print(f"  2 vs 1 workers: {rates[2] / rates[1]:.2f}x")
    # The same bound as printed: every send that can be in flight with 1 worker.
    bound_one = args.concurrency * batch / (args.receiver_latency_ms / 1000) if args.receiver_latency_ms else 0
    figures = {"deliveries_per_s_1": rates[1], "deliveries_per_s_2": rates[2], "two_vs_one": rates[2] / rates[1],
               "receiver_bound_1": bound_one, "vs_receiver_bound_1": rates[1] / bound_one if bound_one else None,
               "vs_receiver_bound_2": rates[2] / (2 * bound_one) if bound_one else None}

    print(f"approval -> delivery latency: {args.paced} replies approved at {args.rate:g}/s")
    for workers in (1, 2):
        seconds = latency(creator, owner, receiver, args.paced, args.rate, workers, args.concurrency)
        figures[f"p50_ms_{workers}"] = percentile(seconds, 0.5) * 1000
        print(f"  {workers} worker(s): p50 {percentile(seconds, 0.5) * 1000:6.0f} ms   "
              f"p95 {percentile(seconds, 0.95) * 1000:6.0f} ms  ({load()})")
    duplicates = sum(receiver.deliveries.values()) - receiver.unique_deliveries
    print(f"deliveries: {receiver.unique_deliveries} unique, {duplicates} repeated webhook-ids, "
          f"{receiver.rejected} rejected signatures")
    report("publish_throughput", **figures, receiver_latency_ms=args.receiver_latency_ms,
           load_average=os.getloadavg()[0])
    server.shutdown()


if __name__ == "__main__":
    main()
