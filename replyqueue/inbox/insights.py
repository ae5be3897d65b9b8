"""Numbers for the insights page: what came in, what the clone did with it, what people decided,
how fast fans got a reply, who reviewed what, and what the creator's spam / abuse marks taught.
Aggregated in the database per day (in the viewer's time zone); charts are SVG drawn on the server
(no script, no CDN)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy

from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.clone.triage_pipeline import TAUGHT
from replyqueue.comments.models import Category, Comment, CommentStatus, Platform
from replyqueue.inbox.models import Decision, DecisionAction
from replyqueue.inbox.selectors import is_abstention
from replyqueue.publishing.models import Publication, PublicationStatus

PALETTE = ["#3b5bdb", "#2b8a3e", "#e67700", "#c92a2a", "#862e9c", "#0b7285", "#5f3dc4", "#a61e4d", "#495057", "#74b816"]
REVIEW_ACTIONS = (DecisionAction.APPROVE, DecisionAction.EDIT_APPROVE, DecisionAction.REJECT)


@dataclass
class Marks:
    """What the creator's marks taught triage (all time, but `sorted_otherwise` in the period)."""

    spam: int = 0
    abuse: int = 0
    neither: int = 0  # "not spam" / "not abuse"
    sorted_otherwise: int = 0  # comments of the period their verdicts sorted otherwise than the model alone
    first_after: int | None = None  # marks made before the first comment they sorted otherwise

    @property
    def total(self) -> int:
        return self.spam + self.abuse + self.neither


@dataclass
class Insights:
    days: list[date]
    by_category: dict[str, list[int]]  # category -> count per day
    by_platform: dict[str, list[int]]
    outcomes: dict[str, int]  # drafted, abstained, auto_filed, set_aside, waiting
    decisions: dict[str, list[int]]  # approve / edit_approve / reject -> count per day
    first_reply_minutes: list[float] = field(default_factory=list)
    reviewers: list[tuple[str, dict[str, int]]] = field(default_factory=list)  # (email, {action: n}) most first
    marks: Marks = field(default_factory=Marks)

    @property
    def total_comments(self) -> int:
        return sum(self.outcomes.values())

    def share(self, key: str) -> float:
        return self.outcomes.get(key, 0) / self.total_comments if self.total_comments else 0.0

    @property
    def first_reply_median(self) -> float | None:
        return median(self.first_reply_minutes) if self.first_reply_minutes else None

    @property
    def first_reply_p90(self) -> float | None:
        if not self.first_reply_minutes:
            return None
        ordered = sorted(self.first_reply_minutes)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def insights(creator_id: int, days: int = 14, today: date | None = None) -> Insights:
    tz = timezone.get_current_timezone()
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    day_list = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    start = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()), tz)
    end = timezone.make_aware(timezone.datetime.combine(today + timedelta(days=1), timezone.datetime.min.time()), tz)

    comments = Comment.objects.filter(creator_id=creator_id, received_at__gte=start, received_at__lt=end)
    by_category: dict[str, list[int]] = {}
    by_platform: dict[str, list[int]] = {}
    per_day = comments.annotate(day=TruncDate("received_at", tzinfo=tz)).values("day", "category", "platform")
    for row in per_day.annotate(n=Count("id")).order_by():
        i = index.get(row["day"])
        if i is None:
            continue
        by_category.setdefault(row["category"] or "untriaged", [0] * days)[i] += row["n"]
        by_platform.setdefault(row["platform"], [0] * days)[i] += row["n"]

    outcomes = {"drafted": 0, "abstained": 0, "auto_filed": 0, "set_aside": 0, "waiting": 0}
    for row in comments.values("status").annotate(n=Count("id")).order_by():
        key = {CommentStatus.DRAFTED: "drafted", CommentStatus.NO_REPLY: "auto_filed", CommentStatus.RECEIVED: "waiting"}.get(
            row["status"]
        )
        if key:
            outcomes[key] += row["n"]
    for comment in comments.filter(status=CommentStatus.NEEDS_HUMAN).only("status", "reason", "reasons"):
        outcomes["abstained" if is_abstention(comment) else "set_aside"] += 1

    decided = Decision.objects.filter(
        creator_id=creator_id, action__in=REVIEW_ACTIONS, created_at__gte=start, created_at__lt=end
    )
    decisions = {action: [0] * days for action in REVIEW_ACTIONS}
    daily = decided.annotate(day=TruncDate("created_at", tzinfo=tz)).values("day", "action").annotate(n=Count("id"))
    for row in daily.order_by():
        if (i := index.get(row["day"])) is not None:
            decisions[row["action"]][i] += row["n"]

    reviewers: dict[str, dict[str, int]] = {}
    for row in decided.values("user__email", "token__name", "action").annotate(n=Count("id")).order_by():
        who = row["user__email"] or (f"API: {row['token__name']}" if row["token__name"] else "system")
        reviewers.setdefault(who, dict.fromkeys(REVIEW_ACTIONS, 0))[row["action"]] += row["n"]

    firsts = (
        Publication.objects.filter(creator_id=creator_id, status=PublicationStatus.SENT, sent_at__isnull=False,
                                   comment__received_at__gte=start, comment__received_at__lt=end)
        .values("comment_id", "comment__received_at").annotate(first=Min("sent_at")).order_by()
    )
    minutes = [(row["first"] - row["comment__received_at"]).total_seconds() / 60 for row in firsts]

    return Insights(
        days=day_list, by_category=by_category, by_platform=by_platform, outcomes=outcomes, decisions=decisions,
        first_reply_minutes=minutes,
        reviewers=sorted(reviewers.items(), key=lambda item: (-sum(item[1].values()), item[0])),
        marks=marks_taught(creator_id, comments),
    )


def marks_taught(creator_id: int, period_comments) -> Marks:
    """How many spam / abuse / "not spam" marks the creator made, how many comments of the period
    their verdicts sorted otherwise (the TAUGHT label), and after how many marks that first happened."""
    marks = TriageFeedback.objects.filter(creator_id=creator_id, source=TriageFeedbackSource.MARK)
    counts = Marks()
    for category, n in marks.values_list("category").annotate(n=Count("id")).order_by():
        if category in (Category.SPAM, Category.ABUSE):
            setattr(counts, category, n)
        else:
            counts.neither += n
    counts.sorted_otherwise = period_comments.filter(labels__icontains=TAUGHT).count()
    first_mark = marks.aggregate(first=Min("created_at"))["first"]
    if first_mark is None:
        return counts
    # Only comments triaged since the first mark can carry the label: the scan stays that short.
    taught = Comment.objects.filter(creator_id=creator_id, triaged_at__gte=first_mark, labels__icontains=TAUGHT)
    first = taught.aggregate(first=Min("triaged_at"))["first"]
    if first is not None:
        counts.first_after = marks.filter(created_at__lte=first).count()
    return counts


REVIEW_LABELS = {
    DecisionAction.APPROVE: gettext_lazy("approved as drafted"),
    DecisionAction.EDIT_APPROVE: gettext_lazy("edited, then approved"),
    DecisionAction.REJECT: gettext_lazy("rejected"),
}


def label_for(kind: str, key: str) -> str:
    if kind == "decision" and key in REVIEW_LABELS:
        return str(REVIEW_LABELS[key])
    choices = {"category": Category, "platform": Platform, "decision": DecisionAction}[kind]
    try:
        return str(choices(key).label)
    except ValueError:
        return key


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


def stacked_bars(days: list[date], series: dict[str, list[int]], kind: str, width: int = 640, height: int = 180) -> dict:
    """An SVG stacked bar chart, one bar per day: rectangles with a <title> each, and a legend."""
    pad_left, pad_bottom, pad_top = 32, 22, 8
    plot_w, plot_h = width - pad_left - 4, height - pad_bottom - pad_top
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    peak = max(totals, default=0) or 1
    slot = plot_w / max(len(days), 1)
    bars: list[Bar] = []
    legend = []
    for n, (key, values) in enumerate(sorted(series.items(), key=lambda kv: -sum(kv[1]))):
        color = PALETTE[n % len(PALETTE)]
        legend.append({"label": label_for(kind, key), "color": color, "total": sum(values)})
    colors = {item_key: PALETTE[n % len(PALETTE)] for n, (item_key, _v) in enumerate(sorted(series.items(), key=lambda kv: -sum(kv[1])))}
    for i, day in enumerate(days):
        y = pad_top + plot_h
        for key, values in sorted(series.items(), key=lambda kv: -sum(kv[1])):
            if not values[i]:
                continue
            h = plot_h * values[i] / peak
            y -= h
            bars.append(Bar(pad_left + i * slot + 1, round(y, 1), max(slot - 2, 1), round(h, 1), colors[key],
                            f"{day.isoformat()} · {label_for(kind, key)}: {values[i]}"))
    ticks = [{"x": pad_left + i * slot + slot / 2, "label": day.strftime("%d/%m")} for i, day in enumerate(days) if i % 2 == 0]
    return {
        "width": width, "height": height, "bars": bars, "legend": legend, "peak": peak, "ticks": ticks,
        "axis_y": pad_top + plot_h, "pad_left": pad_left, "label_y": height - 6,
    }


def hbars(rows: list[tuple[str, int]], width: int = 640, row_height: int = 22) -> dict:
    """Horizontal bars (shares, reviewers): one row per label."""
    peak = max((n for _label, n in rows), default=0) or 1
    label_w = 190
    items = [
        {"label": label, "n": n, "y": i * row_height, "width": round((width - label_w - 60) * n / peak, 1),
         "color": PALETTE[i % len(PALETTE)], "text_y": i * row_height + 15}
        for i, (label, n) in enumerate(rows)
    ]
    return {"width": width, "height": max(len(rows), 1) * row_height, "items": items, "label_w": label_w}
