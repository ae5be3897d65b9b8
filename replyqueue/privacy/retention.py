"""Retention: fan comments and decision texts older than RETENTION_DAYS are redacted in place.

Redacted, not deleted: the row keeps its ids, platform external_id and status, so a platform
that sends the same comment again is still a duplicate (never drafted or replied to twice), and
the audit trail keeps who decided what and when. Work still in progress is never touched: a
comment not yet processed, with a pending draft or draft request, or whose publication is not
final (sent or cancelled; a dead one can still be retried by hand) keeps its text until it is done.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from replyqueue.clone.models import TriageFeedback
from replyqueue.comments.models import Comment, CommentStatus, Fan
from replyqueue.inbox.models import Decision, Draft, DraftRequest, DraftRequestStatus, DraftStatus
from replyqueue.publishing.models import Publication, PublicationStatus

REDACTED = ""  # ingest refuses empty text, so an empty comment is one retention redacted
FINAL_PUBLICATION = (PublicationStatus.SENT, PublicationStatus.CANCELLED)
BATCH = 1000


def in_progress_q() -> Q:
    """Comments whose work is not finished: their text is still needed."""
    return (
        Q(status=CommentStatus.RECEIVED)
        | Q(Exists(Draft.objects.filter(comment=OuterRef("pk"), status=DraftStatus.PENDING)))
        | Q(Exists(DraftRequest.objects.filter(comment=OuterRef("pk"), status=DraftRequestStatus.PENDING)))
        | Q(Exists(Publication.objects.filter(comment=OuterRef("pk")).exclude(status__in=FINAL_PUBLICATION)))
    )


def expired_comments(cutoff: datetime):
    return Comment.objects.filter(received_at__lt=cutoff).exclude(text=REDACTED).exclude(in_progress_q())


@transaction.atomic
def _redact_comments(ids: list[int]) -> int:
    # The in-progress check runs again in the UPDATE itself: a comment redrafted since it was
    # listed keeps its text.
    redacted = Comment.objects.filter(id__in=ids).exclude(in_progress_q()).update(text=REDACTED, reason="", reason_i18n=None)
    Draft.objects.filter(comment_id__in=ids, comment__text=REDACTED).exclude(
        status__in=(DraftStatus.PENDING, DraftStatus.APPROVED)
    ).update(text=REDACTED, drafted_text=REDACTED)
    # A verdict on a text that is gone would train the creator's model on nothing.
    TriageFeedback.objects.filter(comment_id__in=ids, comment__text=REDACTED).delete()
    return redacted


def retention_apply(*, now: datetime, days: int) -> dict[str, int]:
    """Redact what is older than `days` (0: keep everything). Returns what it changed."""
    if days <= 0:
        return {"comments": 0, "decisions": 0, "fans": 0}
    cutoff = now - timedelta(days=days)
    comments = 0
    while ids := list(expired_comments(cutoff).values_list("id", flat=True)[:BATCH]):
        done = _redact_comments(ids)
        comments += done
        if not done:
            break
    decisions = (
        Decision.objects.filter(created_at__lt=cutoff)
        .exclude(before_text=REDACTED, after_text=REDACTED, reason=REDACTED)
        .update(before_text=REDACTED, after_text=REDACTED, reason=REDACTED)
    )
    fans = (
        Fan.objects.exclude(name="")
        .exclude(Exists(Comment.objects.filter(fan=OuterRef("pk")).exclude(text=REDACTED)))
        .filter(Exists(Comment.objects.filter(fan=OuterRef("pk"))))
        .update(name="")
    )
    return {"comments": comments, "decisions": decisions, "fans": fans}
