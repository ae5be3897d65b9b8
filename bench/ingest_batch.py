"""Batch ingest through the API's service (validated, idempotent on external_id, fans upserted,
one transaction per batch of 500, the comments_received signal) next to the plain baseline of the
same rows written with bulk_create and nothing else, on PostgreSQL.

    .venv/bin/python bench/ingest_batch.py --comments 20000
"""

import argparse
import os
import time

from _setup import drop_database, report, scratch_database

DB = os.getenv("BENCH_DB", "replyqueue_bench_ingest")
BATCH = 500


def items(count: int, prefix: str) -> list[dict]:
    return [
        {"platform": "youtube", "external_id": f"{prefix}{i}", "text": f"What camera do you use for video {i}?",
         "author": {"external_id": f"fan{i % 1000}", "name": f"Fan {i % 1000}"}}
        for i in range(count)
    ]


def ingest_rate(creator, rows: list[dict]) -> float:
    from replyqueue.comments.services import comments_ingest

    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        comments_ingest(creator=creator, items=rows[i : i + BATCH])
    return len(rows) / (time.perf_counter() - started)


def bulk_create_rate(creator, rows: list[dict]) -> float:
    """The floor: the same fans and comments inserted with bulk_create, no checks at all."""
    from django.db import transaction

    from replyqueue.comments.models import Comment, Fan

    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        chunk = rows[i : i + BATCH]
        with transaction.atomic():
            Fan.objects.bulk_create(
                [Fan(creator=creator, platform="youtube", external_id=r["author"]["external_id"],
                     name=r["author"]["name"]) for r in chunk], ignore_conflicts=True,
            )
            fans = dict(Fan.objects.filter(creator=creator, external_id__in={r["author"]["external_id"] for r in chunk})
                        .values_list("external_id", "id"))
            Comment.objects.bulk_create(
                [Comment(creator=creator, platform="youtube", external_id=r["external_id"], text=r["text"],
                         fan_id=fans[r["author"]["external_id"]]) for r in chunk]
            )
    return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=20_000)
    args = parser.parse_args()
    scratch_database(DB)
    try:
        from accounts.services import creator_create
        from replyqueue.celery import app

        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"  # storing is measured here, not the broker
        service_creator = creator_create(slug="bench-a", owner_email="a@example.com")
        plain_creator = creator_create(slug="bench-b", owner_email="b@example.com")
        ingest_rate(service_creator, items(BATCH, "warm"))  # first-time costs (connections, caches) off the clock
        bulk_create_rate(plain_creator, items(BATCH, "warm"))
        service = ingest_rate(service_creator, items(args.comments, "c"))
        plain = bulk_create_rate(plain_creator, items(args.comments, "c"))
        print(f"batch ingest (service, batches of {BATCH}): {service:,.0f} comments/s")
        print(f"plain bulk_create of the same rows:       {plain:,.0f} comments/s")
        print(f"ingest / bulk_create: {service / plain:.2f}x")
        report("ingest_batch", ingest_per_s=service, bulk_create_per_s=plain, ingest_vs_bulk_create=service / plain)
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
