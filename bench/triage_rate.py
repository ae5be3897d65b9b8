"""Comments triaged per second (built-in rules + 5 community rules + a trained per-creator model),
next to how fast the API stores them (batches of 500 on PostgreSQL), as a ratio.

    .venv/bin/python bench/triage_rate.py
"""

import json
import time

from _setup import ROOT, drop_database, scratch_database

DB = "replyqueue_bench_triage"


def main() -> None:
    scratch_database(DB)
    try:
        from accounts.services import creator_create
        from replyqueue.clone.learning import LearnedTriage
        from replyqueue.clone.models import CommunityRule
        from replyqueue.clone.triage_pipeline import triage_comment
        from replyqueue.comments.services import comments_ingest

        cases = [json.loads(line) for line in (ROOT / "datasets" / "triage_train.jsonl").read_text().splitlines()]
        texts = [c["text"] for c in cases] * 10
        creator = creator_create(slug="bench", owner_email="bench@example.com")
        rules = [
            CommunityRule(creator=creator, name=f"r{i}", kind=kind, value=value, action="no_reply")
            for i, (kind, value) in enumerate(
                [("phrase", "onlyfans\nmy ex"), ("link", ""), ("pattern", r"\bsub4sub\b"), ("topic", "politics"), ("muted_fan", "troll_42")]
            )
        ]
        model = LearnedTriage.fit([(c["text"], c["category"]) for c in cases[::3]])

        started = time.perf_counter()
        for text in texts:
            triage_comment(text, fan_external_id="f1", fan_name="Fan", rules=rules, learned=model, avoid_topics=["pregnancy"])
        triage_rate = len(texts) / (time.perf_counter() - started)

        items = [
            {"platform": "youtube", "external_id": f"b{i}", "text": text, "author": {"external_id": f"fan{i % 300}", "name": "Fan"}}
            for i, text in enumerate(texts[:5000])
        ]
        from replyqueue.celery import app

        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"  # storing is measured here, not the broker
        started = time.perf_counter()
        for i in range(0, len(items), 500):
            comments_ingest(creator=creator, items=items[i : i + 500])
        ingest_rate = len(items) / (time.perf_counter() - started)

        print(f"triage: {triage_rate:,.0f} comments/s on one core ({1000 / triage_rate:.2f} ms each, {len(texts):,} comments)")
        print(f"ingest: {ingest_rate:,.0f} comments/s stored (batches of 500, PostgreSQL)")
        print(f"triage time per comment / ingest time per comment: {ingest_rate / triage_rate:.2f}")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
