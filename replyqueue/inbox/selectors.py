"""Reads for the inbox: each tab's rows for one creator, filtered, sorted and paged by keyset,
in a constant number of queries whatever the page size."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from replyqueue.clone.models import BriefStatus, ContentBrief, KnowledgeItem
from replyqueue.comments.models import SAFETY_CATEGORIES, Comment, CommentStatus
from replyqueue.inbox import policy
from replyqueue.inbox.models import Decision, Draft, DraftStatus
from replyqueue.publishing.models import Publication, PublicationStatus

FAILED_STATUSES = [PublicationStatus.FAILED, PublicationStatus.UNKNOWN, PublicationStatus.DEAD]
PAGE_SIZE = 25
COUNT_CAP = 1000  # tab counts stop at 999+: counting a million-row queue on every poll is not worth it

TABS = {
    "review": _("Needs review"),
    "you": _("Needs you"),
    "no_reply": _("No reply"),
    "scheduled": _("Scheduled"),
    "sent": _("Sent"),
    "failed": _("Failed"),
}
SORTS = {"priority": _("Priority"), "newest": _("Newest"), "oldest": _("Oldest")}


@dataclass
class InboxQuery:
    """What the URL says: tab, filters, sort and where the page starts."""

    tab: str = "review"
    platform: str = ""
    category: str = ""
    min_confidence: float | None = None
    post: str = ""
    fan: str = ""
    assignee: str = ""  # "me", "none" or a user id
    search: str = ""
    sort: str = "priority"
    after: str = ""

    @classmethod
    def from_params(cls, params) -> "InboxQuery":
        query = cls(
            tab=params.get("tab", "review"),
            platform=params.get("platform", "")[:20],
            category=params.get("category", "")[:20],
            post=params.get("post", "")[:200],
            fan=params.get("fan", "")[:200],
            assignee=params.get("assignee", "")[:20],
            search=params.get("q", "")[:200].strip(),
            sort=params.get("sort", "priority"),
            after=params.get("after", "")[:60],
        )
        if query.tab not in TABS:
            query.tab = "review"
        if query.sort not in SORTS:
            query.sort = "priority"
        try:
            query.min_confidence = float(params["min_confidence"]) if params.get("min_confidence") else None
        except ValueError:
            query.min_confidence = None
        return query

    def params(self, **changes) -> dict[str, str]:
        values = {
            "tab": self.tab, "platform": self.platform, "category": self.category, "post": self.post,
            "fan": self.fan, "assignee": self.assignee, "q": self.search, "sort": self.sort,
            "min_confidence": "" if self.min_confidence is None else str(self.min_confidence),
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Page:
    rows: list
    next_cursor: str = ""
    sources: dict[int, KnowledgeItem] = field(default_factory=dict)
    history: dict[int, list[Draft]] = field(default_factory=dict)  # fan id -> earlier approved drafts
    alternatives: dict[int, list[Draft]] = field(default_factory=dict)  # draft id -> other pending drafts
    newer_by_fan: set[int] = field(default_factory=set)  # draft ids whose fan wrote again since


def _comment_filters(query: InboxQuery, prefix: str, user_id: int | None) -> Q:
    q = Q()
    if query.platform:
        q &= Q(**{f"{prefix}platform": query.platform})
    if query.category:
        q &= Q(**{f"{prefix}category": query.category})
    if query.post:
        q &= Q(**{f"{prefix}post__external_id": query.post})
    if query.fan:
        q &= Q(**{f"{prefix}fan__external_id": query.fan}) | Q(**{f"{prefix}fan__name__iexact": query.fan})
    if query.assignee == "me" and user_id:
        q &= Q(**{f"{prefix}assigned_to_id": user_id})
    elif query.assignee == "none":
        q &= Q(**{f"{prefix}assigned_to__isnull": True})
    elif query.assignee.isdigit():
        q &= Q(**{f"{prefix}assigned_to_id": int(query.assignee)})
    if query.search:
        q &= Q(**{f"{prefix}text__icontains": query.search})
    return q


def _keyset(queryset: QuerySet, query: InboxQuery, priority_field: str | None) -> QuerySet:
    """Order and start after the cursor: `<priority>.<id>` when sorted by priority, else `<id>`."""
    if query.sort == "priority" and priority_field:
        queryset = queryset.order_by(f"-{priority_field}", "-id")
        if query.after:
            try:
                priority, last_id = (int(part) for part in query.after.split(".", 1))
            except ValueError:
                return queryset
            # A row comparison, so PostgreSQL walks the (priority, id) index instead of OR-ing two scans.
            table = queryset.model._meta.db_table
            queryset = queryset.extra(
                where=[f'("{table}"."{priority_field}", "{table}"."id") < (%s, %s)'], params=[priority, last_id]
            )
        return queryset
    ascending = query.sort == "oldest"
    queryset = queryset.order_by("id" if ascending else "-id")
    if query.after.isdigit():
        queryset = queryset.filter(id__gt=int(query.after)) if ascending else queryset.filter(id__lt=int(query.after))
    return queryset


def _cursor(row, query: InboxQuery, priority_field: str | None) -> str:
    if query.sort == "priority" and priority_field:
        return f"{getattr(row, priority_field)}.{row.id}"
    return str(row.id)


def tab_queryset(
    creator_id: int, query: InboxQuery, user_id: int | None = None, role: str = Role.OWNER
) -> tuple[QuerySet, str | None]:
    """The rows of the tab for one creator that this role may see, and the field its priority
    sort uses."""
    queryset, priority_field = _tab_queryset(creator_id, query, user_id)
    return queryset.filter(policy.visible_q(role, "" if queryset.model is Comment else "comment")), priority_field


def _tab_queryset(creator_id: int, query: InboxQuery, user_id: int | None) -> tuple[QuerySet, str | None]:
    now = timezone.now()
    if query.tab == "review":
        drafts = Draft.objects.filter(creator_id=creator_id, status=DraftStatus.PENDING, rank=0)
        drafts = drafts.filter(_comment_filters(query, "comment__", user_id))
        if query.min_confidence is not None:
            drafts = drafts.filter(confidence__gte=query.min_confidence)
        return drafts.select_related("comment__fan", "comment__post", "comment__assigned_to", "brief"), "priority"
    if query.tab in ("you", "no_reply"):
        status = CommentStatus.NEEDS_HUMAN if query.tab == "you" else CommentStatus.NO_REPLY
        comments = Comment.objects.filter(creator_id=creator_id, status=status)
        comments = comments.filter(_comment_filters(query, "", user_id))
        return comments.select_related("fan", "post", "assigned_to"), "priority"
    statuses = {
        "scheduled": [PublicationStatus.QUEUED],
        "sent": [PublicationStatus.SENDING, PublicationStatus.SENT],
        "failed": FAILED_STATUSES,
    }[query.tab]
    publications = Publication.objects.filter(creator_id=creator_id, status__in=statuses)
    if query.tab == "scheduled":
        publications = publications.filter(due_at__gt=now - timedelta(seconds=5))
    publications = publications.filter(_comment_filters(query, "comment__", user_id))
    return publications.select_related("comment__fan", "comment__post", "draft"), None


def inbox_page(
    creator_id: int,
    query: InboxQuery,
    user_id: int | None = None,
    size: int = PAGE_SIZE,
    role: str = Role.OWNER,
    decorate: bool = True,
) -> Page:
    queryset, priority_field = tab_queryset(creator_id, query, user_id, role)
    rows = list(_keyset(queryset, query, priority_field)[: size + 1])
    page = Page(rows=rows[:size])
    if len(rows) > size:
        page.next_cursor = _cursor(rows[size - 1], query, priority_field)
    if query.tab == "review" and decorate:
        _decorate_drafts(page)
    return page


def _decorate_drafts(page: Page) -> None:
    """Sources, alternatives, the fan's earlier exchanges and newer comments: four queries for
    the whole page."""
    if not page.rows:
        return
    primaries = {("c", d.comment_id) if d.comment_id else ("b", d.brief_id): d.id for d in page.rows}
    others = Draft.objects.filter(
        Q(comment_id__in=[key for kind, key in primaries if kind == "c"])
        | Q(brief_id__in=[key for kind, key in primaries if kind == "b"]),
        status=DraftStatus.PENDING, rank__gt=0,
    ).order_by("rank")
    for alternative in others:
        owner_key = ("c", alternative.comment_id) if alternative.comment_id else ("b", alternative.brief_id)
        page.alternatives.setdefault(primaries[owner_key], []).append(alternative)
    source_ids = {s for d in page.rows for s in d.sources}
    page.sources = KnowledgeItem.objects.in_bulk(source_ids) if source_ids else {}
    drafts: list[Draft] = [d for d in page.rows if d.comment_id]  # content variants have no fan
    if not drafts:
        return
    fan_ids = {d.comment.fan_id for d in drafts}
    earlier = (
        Draft.objects.filter(comment__fan_id__in=fan_ids, status=DraftStatus.APPROVED)
        .annotate(n=Window(RowNumber(), partition_by=F("comment__fan_id"), order_by=F("id").desc()))
        .filter(n__lte=3)
        .select_related("comment")
    )
    history: dict[int, list[Draft]] = defaultdict(list)
    for draft in earlier:
        history[draft.comment.fan_id].append(draft)
    page.history = dict(history)
    oldest = min(d.created_at for d in drafts)
    newer = Comment.objects.filter(fan_id__in=fan_ids, received_at__gt=oldest).values_list("fan_id", "received_at")
    latest_by_fan: dict[int, object] = {}
    for fan_id, received_at in newer:
        latest_by_fan[fan_id] = max(received_at, latest_by_fan.get(fan_id, received_at))
    page.newer_by_fan = {
        d.id for d in drafts if d.comment.fan_id in latest_by_fan and latest_by_fan[d.comment.fan_id] > d.comment.received_at
    }


def tab_counts(creator_id: int, role: str = Role.OWNER) -> dict[str, str]:
    """Live counts per tab of what this role may see, each capped so a huge queue costs a
    bounded scan."""
    now = timezone.now()
    drafts = Draft.objects.filter(policy.visible_q(role))
    comments = Comment.objects.filter(policy.visible_q(role, ""))
    publications = Publication.objects.filter(policy.visible_q(role))
    querysets = {
        "review": drafts.filter(creator_id=creator_id, status=DraftStatus.PENDING, rank=0),
        "you": comments.filter(creator_id=creator_id, status=CommentStatus.NEEDS_HUMAN),
        "no_reply": comments.filter(creator_id=creator_id, status=CommentStatus.NO_REPLY),
        "scheduled": publications.filter(creator_id=creator_id, status=PublicationStatus.QUEUED, due_at__gt=now),
        "failed": publications.filter(creator_id=creator_id, status__in=FAILED_STATUSES),
    }
    counts = {}
    for tab, queryset in querysets.items():
        n = queryset.values("id")[:COUNT_CAP].count()
        counts[tab] = f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)
    counts["sent"] = ""
    return counts


def decisions_for_draft(draft: Draft) -> list[Decision]:
    return list(Decision.objects.filter(draft=draft).select_related("user", "token").order_by("id"))


def fan_comments(creator_id: int, fan_id: int, limit: int = 50) -> list[Comment]:
    """Everything a fan wrote to the creator, newest first, with the drafts and decisions (fan page)."""
    return list(
        Comment.objects.filter(creator_id=creator_id, fan_id=fan_id)
        .select_related("fan", "post")
        .prefetch_related("drafts__decisions__user")
        .order_by("-id")[:limit]
    )


GROUP_SIMILARITY = 0.70  # cosine to a group centroid: the multilingual USE puts paraphrases at ~0.7-0.8, other questions below 0.3
MAX_UNANSWERED = 500


@dataclass
class QuestionGroup:
    """Comments the clone could not answer that ask about the same thing."""

    comments: list[Comment]

    @property
    def size(self) -> int:
        return len(self.comments)

    @property
    def example(self) -> Comment:
        return self.comments[0]

    @property
    def ids(self) -> str:
        return ",".join(str(c.id) for c in self.comments)


def is_abstention(comment: Comment) -> bool:
    """A comment waiting for a human because the clone abstained (nothing it knows answers it),
    not because triage set it aside (its reason is then one of the triage reasons) nor because
    drafting failed."""
    return (
        comment.status == CommentStatus.NEEDS_HUMAN and bool(comment.reason) and comment.reason not in (comment.reasons or [])
        and not comment.reason.startswith("Drafting failed")
    )


def unanswered_questions(creator_id: int, role: str = Role.OWNER, limit: int = MAX_UNANSWERED) -> list[QuestionGroup]:
    """The abstained comments grouped by meaning, biggest group first: greedy clustering on the
    sentence embedding, each comment joining the group whose centroid is closest (cosine >=
    GROUP_SIMILARITY) or starting its own. Comments already asked to be drafted again are left out."""
    from replyqueue.clone.embeddings import embed_for_sorting
    from replyqueue.inbox.models import DraftRequest, DraftRequestStatus

    waiting = DraftRequest.objects.filter(creator_id=creator_id, status=DraftRequestStatus.PENDING).values("comment_id")
    comments = [
        c for c in Comment.objects.filter(creator_id=creator_id, status=CommentStatus.NEEDS_HUMAN, owner_only=False)
        .filter(policy.visible_q(role, "")).exclude(id__in=waiting).select_related("fan", "post").order_by("id")[:limit]
        if is_abstention(c)
    ]
    if not comments:
        return []
    import numpy as np

    vectors = embed_for_sorting([c.text for c in comments])
    sums: list = []
    members: list[list[Comment]] = []
    for comment, vector in zip(comments, vectors, strict=True):
        best, best_score = -1, GROUP_SIMILARITY
        for index, total in enumerate(sums):
            score = float(vector @ (total / (np.linalg.norm(total) or 1.0)))
            if score >= best_score:
                best, best_score = index, score
        if best < 0:
            sums.append(np.array(vector, dtype=np.float64))
            members.append([comment])
        else:
            sums[best] = sums[best] + vector
            members[best].append(comment)
    groups = [QuestionGroup(comments=m) for m in members]
    groups.sort(key=lambda g: (-g.size, g.example.id))
    return groups


SIMILAR_TO_MARKED = 0.70  # on triage's training rows, 97 % of the comments this close to a spam row are spam too
MAX_SIMILAR_SCAN = 500
MAX_SIMILAR_SHOWN = 50


@dataclass
class Similar:
    comment: Comment
    similarity: float


def similar_waiting(comment: Comment, role: str = Role.OWNER) -> list[Similar]:
    """The creator's other comments still waiting for a reply (a pending draft to review, or a
    person) that read like `comment`, most similar first: what a reviewer who just marked it spam or
    abuse may want to mark too. Safety cases are never offered (they go to the owner whatever a mark says)."""
    mine = _others(comment, role).exclude(category__in=SAFETY_CATEGORIES)
    pending = Draft.objects.filter(comment_id=OuterRef("pk"), status=DraftStatus.PENDING)
    # One query per status, each along the (creator, status, -received_at) index.
    waiting = sorted(
        [*mine.filter(status=CommentStatus.DRAFTED).filter(Exists(pending))[:MAX_SIMILAR_SCAN],
         *mine.filter(status=CommentStatus.NEEDS_HUMAN)[:MAX_SIMILAR_SCAN]],
        key=lambda c: c.received_at, reverse=True,
    )[:MAX_SIMILAR_SCAN]
    return _closest(comment, waiting)


def similar_filed(comment: Comment, role: str = Role.OWNER) -> list[Similar]:
    """The creator's other comments that triage filed as spam or abuse (no person marked them) and
    that read like `comment`: what a reviewer who just restored it may want to restore too."""
    from replyqueue.clone.models import TriageFeedback

    marked = TriageFeedback.objects.filter(comment_id=OuterRef("pk"))
    filed = (
        _others(comment, role).filter(status=CommentStatus.NO_REPLY, category__in=("spam", "abuse"))
        .exclude(Exists(marked))[:MAX_SIMILAR_SCAN]
    )
    return _closest(comment, list(filed))


def _others(comment: Comment, role: str) -> QuerySet:
    return (
        Comment.objects.filter(creator_id=comment.creator_id).exclude(id=comment.id)
        .filter(policy.visible_q(role, "")).select_related("fan").order_by("-received_at")
    )


def _closest(comment: Comment, candidates: list[Comment]) -> list[Similar]:
    from replyqueue.clone.embeddings import embed_for_sorting

    if not candidates:
        return []
    vectors = embed_for_sorting([comment.text] + [c.text for c in candidates])
    scores = vectors[1:] @ vectors[0]
    close = [Similar(c, float(score)) for c, score in zip(candidates, scores, strict=True) if score >= SIMILAR_TO_MARKED]
    close.sort(key=lambda s: -s.similarity)
    return close[:MAX_SIMILAR_SHOWN]


RECENT_BRIEFS = 5


def recent_briefs(creator_id: int) -> list[ContentBrief]:
    """The creator's latest content briefs, each with `variant_count` (its drafts still in the
    queue or decided), so the page says what became of each: being written, in the queue, or why not."""
    return list(
        ContentBrief.objects.filter(creator_id=creator_id)
        .annotate(variant_count=Count("drafts", filter=~Q(drafts__status=DraftStatus.SUPERSEDED)))
        .order_by("-created_at", "-id")[:RECENT_BRIEFS]
    )


def briefs_in_progress(briefs: list[ContentBrief]) -> bool:
    return any(brief.status == BriefStatus.RECEIVED for brief in briefs)
