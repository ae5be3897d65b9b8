"""Reads for the inbox: each tab's rows for one creator, in pages of constant query count."""

from django.db.models import QuerySet

from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.inbox.models import Draft, DraftStatus
from replyqueue.publishing.models import Publication

PAGE_SIZE = 25

TABS = {
    "review": "Needs review",
    "you": "Needs you",
    "no_reply": "No reply",
    "sent": "Sent",
    "failed": "Failed",
}


def pending_drafts(creator_id: int) -> QuerySet[Draft]:
    return (
        Draft.objects.filter(creator_id=creator_id, status=DraftStatus.PENDING)
        .select_related("comment__fan", "comment__post")
        .order_by("-comment__priority", "-id")
    )


def comments_with_status(creator_id: int, status: str) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(creator_id=creator_id, status=status).select_related("fan", "post").order_by("-id")
    )


def publications_with_status(creator_id: int, statuses: list[str]) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(creator_id=creator_id, status__in=statuses)
        .select_related("comment__fan", "draft")
        .order_by("-id")
    )


def tab_rows(creator_id: int, tab: str):
    if tab == "you":
        return comments_with_status(creator_id, CommentStatus.NEEDS_HUMAN)
    if tab == "no_reply":
        return comments_with_status(creator_id, CommentStatus.NO_REPLY)
    if tab == "sent":
        return publications_with_status(creator_id, ["queued", "sending", "sent"])
    if tab == "failed":
        return publications_with_status(creator_id, ["failed", "unknown", "dead"])
    return pending_drafts(creator_id)
