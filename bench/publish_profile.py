"""CPU spent per webhook delivery in one sending process, and (optionally) where it goes.

    .venv/bin/python bench/publish_profile.py [--replies 400] [--receiver-latency-ms 20]
                                              [--profile yappi] [--top 40]

The same path a worker runs (`publications_send`: claim, sign, send, record, on the process's
thread pool), called in this process against a loopback Standard Webhooks receiver that runs in a
child process, so its CPU is not counted. Prints the sender's CPU milliseconds per delivery (user +
system, every thread) and the wall-clock rate. `--profile yappi` needs yappi importable (it is not
a dependency: e.g. `pip install --target /tmp/prof yappi` and PYTHONPATH=/tmp/prof) and prints the
functions with the most CPU, own time and cumulative; profiling itself slows everything down.

Uses its own scratch database (BENCH_DB, default replyqueue_bench_profile), dropped after.
"""

import argparse
import os
import subprocess
import sys
import time

from _setup import ROOT, drop_database, scratch_database, wait_until

DB = os.getenv("BENCH_DB", "replyqueue_bench_profile")

RECEIVER = """
import sys, time
from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver
state = ReceiverState(secret=sys.argv[1], latency=float(sys.argv[2]))
server = start_receiver(state)
print(server.server_port, flush=True)
for line in sys.stdin:  # any line: print the counts; end of input: stop
    print(state.unique_deliveries, sum(state.deliveries.values()), state.rejected, flush=True)
"""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=400)
    parser.add_argument("--receiver-latency-ms", type=float, default=20.0)
    parser.add_argument("--profile", choices=["none", "yappi"], default="none")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    # Wake-ups go nowhere (no worker runs here): this process sends by itself.
    os.environ.update(LOG_LEVEL="WARNING", WEBHOOK_ALLOW_PRIVATE_NETWORKS="1", CELERY_BROKER_URL="memory://")
    scratch_database(DB)
    try:
        run(args)
    finally:
        drop_database(DB)


def run(args) -> None:
    from django.utils import timezone
    from publish_throughput import drafts

    from accounts.services import creator_create, webhook_set
    from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
    from replyqueue.inbox.actions import Actor, draft_approve
    from replyqueue.publishing.models import Publication
    from replyqueue.publishing.sending import publications_send, send_pool_shutdown

    creator = creator_create(slug="bench", name="Bench", owner_email="bench@example.com", password="bench-only")
    owner = creator.memberships.get().user
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV.")])
    secret = webhook_set(creator=creator, url="http://127.0.0.1:1/hook")
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, secret, str(args.receiver_latency_ms / 1000)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        port = int(receiver.stdout.readline())
        webhook_set(creator=creator, url=f"http://127.0.0.1:{port}/hook")
        creator.undo_delay_seconds = 3600  # approved now, released together below
        creator.save()
        actor = Actor(role="owner", user=owner)
        warm = [draft_approve(draft=d, actor=actor, confirm=True).id for d in drafts(creator, "w-", 16)]
        ids = [draft_approve(draft=d, actor=actor, confirm=True).id for d in drafts(creator, "p-", args.replies)]
        Publication.objects.filter(id__in=warm).update(due_at=timezone.now())
        publications_send(publication_ids=warm)  # imports, connections, the thread pool
        wait_until(lambda: Publication.objects.filter(id__in=warm, status="sent").count() == len(warm), 30, "warm-up")

        if args.profile == "yappi":
            import yappi

            yappi.set_clock_type("cpu")
            yappi.start()
        Publication.objects.filter(id__in=ids).update(due_at=timezone.now())
        receiver_cpu = _cpu_seconds(receiver.pid)
        cpu, wall = time.process_time(), time.perf_counter()
        pending = Publication.objects.filter(id__in=ids, status__in=("queued", "failed", "unknown"))
        while first := list(pending.order_by("id").values_list("id", flat=True)[:8]):
            publications_send(publication_ids=first)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        receiver_cpu = _cpu_seconds(receiver.pid) - receiver_cpu
        if args.profile == "yappi":
            yappi.stop()
        sent = Publication.objects.filter(id__in=ids, status="sent").count()
        receiver.stdin.write("counts\n")
        receiver.stdin.flush()
        unique, received, rejected = (int(n) for n in receiver.stdout.readline().split())
        print(f"{sent} of {args.replies} sent in {wall:.2f} s ({sent / wall:.1f}/s, receiver latency "
              f"{args.receiver_latency_ms:g} ms): {cpu * 1000 / max(sent, 1):.2f} ms of sender CPU per delivery"
              f"{' (under yappi)' if args.profile == 'yappi' else ''}")
        print(f"receiver: {unique} unique deliveries, {received - unique} repeated, {rejected} rejected signatures; "
              f"{receiver_cpu * 1000 / max(sent, 1):.2f} ms of receiver CPU per delivery")
        if args.profile == "yappi":
            stats = yappi.get_func_stats()
            for sort in ("tsub", "ttot"):
                print(f"\nby {'own' if sort == 'tsub' else 'cumulative'} CPU:")
                stats.sort(sort, "desc")
                for stat in list(stats)[: args.top]:
                    where = f"{os.path.relpath(stat.module, ROOT) if stat.module.startswith(str(ROOT)) else os.path.basename(stat.module)}:{stat.lineno}"
                    print(f"  {stat.tsub * 1000 / sent:7.3f} own {stat.ttot * 1000 / sent:7.3f} total ms/delivery"
                          f"  {stat.ncall:7d}x  {stat.name}  ({where})")
        send_pool_shutdown()
    finally:
        receiver.stdin.close()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
