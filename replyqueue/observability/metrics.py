"""Prometheus metrics, computed from the database at scrape time.

Workers are separate processes (and machines): counters kept in one process would be wrong for
the others, so every figure here is read from the rows, which every process writes. Queue depths
are grouped COUNTs on indexed columns; latencies are gauge histograms of the work finished in the
last METRICS_WINDOW_SECONDS (a distribution of recent values, not an ever-growing counter).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from replyqueue.clone.models import ContentBrief
from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.core.models import WorkerHeartbeat
from replyqueue.inbox.models import Draft, DraftRequest, DraftRequestStatus, DraftStatus
from replyqueue.publishing.models import Publication, PublicationStatus, QuotaLedger
from replyqueue.publishing.quota import quota_day, quota_left

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

QUEUES = (
    # (metric, help, model, every state so a state with no rows still reports 0)
    ("comments", "Fan comments by status.", Comment, CommentStatus.values),
    ("drafts", "Drafts by status.", Draft, DraftStatus.values),
    ("publications", "Publications (outbox rows) by status.", Publication, PublicationStatus.values),
    ("draft_requests", "Regenerate / alternatives / draft-anyway requests by status.", DraftRequest, DraftRequestStatus.values),
    ("briefs", "Content briefs by status.", ContentBrief, None),
)


def counts_by_status(model, states: Iterable[str] | None) -> dict[str, int]:
    found = dict(model.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {state: found.get(state, 0) for state in states} | found if states else found


def histogram(name: str, documentation: str, seconds: list[float]) -> GaugeHistogramMetricFamily:
    cumulative = [(floatToGoString(bound), sum(1 for s in seconds if s <= bound)) for bound in BUCKETS]
    cumulative.append(("+Inf", len(seconds)))
    return GaugeHistogramMetricFamily(name, documentation, buckets=cumulative, gsum_value=sum(seconds))


def drafting_seconds(since: datetime) -> list[float]:
    """Comment received → first draft written, for first drafts made since `since`."""
    rows = Draft.objects.filter(created_at__gte=since, generation=1, rank=0, comment__isnull=False)
    return [(made - received).total_seconds() for made, received in rows.values_list("created_at", "comment__received_at")]


def delivery_seconds(since: datetime) -> list[float]:
    """Due (approval, or the end of the undo window) → sent, for publications sent since `since`."""
    rows = Publication.objects.filter(sent_at__gte=since, status=PublicationStatus.SENT)
    return [max((sent - due).total_seconds(), 0.0) for sent, due in rows.values_list("sent_at", "due_at")]


def youtube_quota(now: datetime) -> dict[str, int]:
    projects = {settings.YOUTUBE_PROJECT} | set(
        QuotaLedger.objects.filter(day=quota_day(now)).values_list("project", flat=True)
    )
    return {project: quota_left(project, now)["units_left"] for project in sorted(projects)}


class DatabaseCollector(Collector):
    def collect(self):
        now = timezone.now()
        for name, documentation, model, states in QUEUES:
            gauge = GaugeMetricFamily(f"replyqueue_{name}", documentation, labels=["status"])
            for state, n in sorted(counts_by_status(model, states).items()):
                gauge.add_metric([state], n)
            yield gauge
        window = settings.METRICS_WINDOW_SECONDS
        since = now - timedelta(seconds=window)
        yield histogram(
            "replyqueue_drafting_latency_seconds",
            f"Comment received to first draft, for drafts made in the last {window:g} s.",
            drafting_seconds(since),
        )
        yield histogram(
            "replyqueue_delivery_latency_seconds",
            f"Publication due to sent, for replies sent in the last {window:g} s.",
            delivery_seconds(since),
        )
        drafted = CounterMetricFamily("replyqueue_drafts_made", "Drafts written by the clone, ever (stored rows).")
        drafted.add_metric([], Draft.objects.count())
        yield drafted
        attempts = CounterMetricFamily(
            "replyqueue_delivery_attempts", "Send attempts of every publication, ever (stored rows)."
        )
        attempts.add_metric([], Publication.objects.aggregate(n=Sum("attempts"))["n"] or 0)
        yield attempts
        failures = GaugeMetricFamily(
            "replyqueue_failures", "Work that finally failed and waits for a person.", labels=["kind"]
        )
        failures.add_metric(["publication_dead"], Publication.objects.filter(status=PublicationStatus.DEAD).count())
        failures.add_metric(["draft_request_failed"], DraftRequest.objects.filter(status=DraftRequestStatus.FAILED).count())
        failures.add_metric(["brief_failed"], ContentBrief.objects.filter(status="failed").count())
        yield failures
        quota = GaugeMetricFamily(
            "replyqueue_youtube_quota_units_left", "YouTube Data API units left today, per Cloud project.", labels=["project"]
        )
        for project, left in youtube_quota(now).items():
            quota.add_metric([project], left)
        yield quota
        alive = now - timedelta(seconds=settings.WORKER_DEAD_SECONDS)
        workers = GaugeMetricFamily("replyqueue_workers_alive", "Worker processes that beat within WORKER_DEAD_SECONDS.")
        workers.add_metric([], WorkerHeartbeat.objects.filter(seen_at__gte=alive).count())
        yield workers


def registry() -> CollectorRegistry:
    """A registry of our own: only database figures (no per-process defaults that differ by process)."""
    found = CollectorRegistry(auto_describe=False)
    found.register(DatabaseCollector())
    return found
