"""Comments triaged per second on ONE core through the whole triage (embedding, trained category
and safety heads, safety patterns, a per-creator model taught 50 marks, 2 topics to avoid, 5
community rules), in batches as the workers' batch API (triage_comments) runs them and one by one
as comment_triage does; next to how fast the API stores comments (batches of 500 on PostgreSQL).

    OMP_NUM_THREADS=1 .venv/bin/python bench/triage_rate.py
"""

import json
import os
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # per core: no BLAS thread pool

from _setup import ROOT, drop_database, report, scratch_database  # noqa: E402

DB = os.getenv("BENCH_DB", "replyqueue_bench_triage")
BATCH = 128


def main() -> None:
    scratch_database(DB)
    try:
        from accounts.services import creator_create
        from replyqueue.clone.learning import CreatorModel
        from replyqueue.clone.models import CommunityRule
        from replyqueue.clone.triage_pipeline import triage_comment, triage_comments
        from replyqueue.comments.services import comments_ingest

        # Evaluation comments as the traffic (nothing is learned from them but the 50 marks below).
        cases = [json.loads(line) for line in (ROOT / "datasets" / "triage_fresh.jsonl").read_text().splitlines()]
        texts = [c["text"] for c in cases] * 8
        creator = creator_create(slug="bench", owner_email="bench@example.com")
        rules = [
            CommunityRule(creator=creator, name=f"r{i}", kind=kind, value=value, action="no_reply")
            for i, (kind, value) in enumerate(
                [("phrase", "onlyfans\nmy ex"), ("link", ""), ("pattern", r"\bsub4sub\b"), ("topic", "politics / élections"), ("muted_fan", "troll_42")]
            )
        ]
        learned = CreatorModel.fit([(c["text"], c["category"]) for c in cases[:50]])
        topics = ["enceinte / bébé / pregnant", "salaire / how much do you earn"]
        triage_comments([{"text": "warm-up"}], rules=rules, learned=learned, avoid_topics=topics)

        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), BATCH):
            items = [{"text": t, "fan_external_id": "f1", "fan_name": "Fan"} for t in texts[i : i + BATCH]]
            triage_comments(items, rules=rules, learned=learned, avoid_topics=topics)
        batch_rate = len(texts) / (time.perf_counter() - started)
        batch_cpu_rate = len(texts) / (time.process_time() - cpu)

        single = texts[:500]
        started, cpu = time.perf_counter(), time.process_time()
        for text in single:
            triage_comment(text, fan_external_id="f1", fan_name="Fan", rules=rules, learned=learned, avoid_topics=topics)
        single_rate = len(single) / (time.perf_counter() - started)
        single_cpu_rate = len(single) / (time.process_time() - cpu)

        items = [
            {"platform": "youtube", "external_id": f"b{i}", "text": text, "author": {"external_id": f"fan{i % 300}", "name": "Fan"}}
            for i, text in enumerate(texts[:2000])
        ]
        from replyqueue.celery import app

        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"  # storing is measured here, not the broker
        started = time.perf_counter()
        for i in range(0, len(items), 500):
            comments_ingest(creator=creator, items=items[i : i + 500])
        ingest_rate = len(items) / (time.perf_counter() - started)

        print(f"triage, batches of {BATCH}: {batch_rate:,.0f} comments/s on one core ({1000 / batch_rate:.2f} ms each, {len(texts):,} comments); "
              f"{batch_cpu_rate:,.0f} per CPU-second")
        print(f"triage, one at a time:  {single_rate:,.0f} comments/s on one core ({1000 / single_rate:.2f} ms each, {len(single):,} comments); "
              f"{single_cpu_rate:,.0f} per CPU-second")
        print(f"ingest: {ingest_rate:,.0f} comments/s stored (batches of 500, PostgreSQL)")
        print(f"triage time per comment (batched) / ingest time per comment: {ingest_rate / batch_rate:.2f}")
        report("triage_rate", triage_per_s=batch_rate, single_per_s=single_rate, ingest_per_s=ingest_rate,
               triage_vs_ingest=batch_rate / ingest_rate)
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
