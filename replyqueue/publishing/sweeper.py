"""The periodic sweep: whatever a lost task left behind is picked up here.

The broker only carries wake-ups; the database says what is still to do.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from replyqueue.clone.services import MAX_PROCESS_ATTEMPTS, comment_give_up
from replyqueue.clone.tasks import enqueue_process_comment
from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.publishing.claiming import channel_sends_prune, publications_due, publications_release_stale
from replyqueue.publishing.services import enqueue_publish


def comments_waiting(limit: int = 500) -> list[int]:
    now = timezone.now()
    lost = now - timedelta(seconds=settings.LOST_TASK_SECONDS)
    stale = now - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    return list(
        Comment.objects.filter(status=CommentStatus.RECEIVED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )


def sweep_once() -> dict:
    stuck = Comment.objects.filter(id__in=comments_waiting(), attempts__gte=MAX_PROCESS_ATTEMPTS)
    for comment_id in stuck.values_list("id", flat=True):
        comment_give_up(comment_id=comment_id, error=f"processing crashed {MAX_PROCESS_ATTEMPTS} times")
    comment_ids = comments_waiting()
    enqueue_process_comment(comment_ids)
    released = publications_release_stale()
    publication_ids = publications_due()
    enqueue_publish(publication_ids)
    channel_sends_prune()
    briefs = briefs_waiting()
    return {
        "comments": len(comment_ids), "publications": len(publication_ids), "released": released, "briefs": len(briefs),
    }


def briefs_waiting(limit: int = 100) -> list[int]:
    """Content briefs whose drafting task was lost: enqueue them again."""
    from replyqueue.clone.models import ContentBrief
    from replyqueue.clone.tasks import draft_brief

    lost = timezone.now() - timedelta(seconds=settings.LOST_TASK_SECONDS)
    ids = list(ContentBrief.objects.filter(status="received", created_at__lt=lost).values_list("id", flat=True)[:limit])
    for brief_id in ids:
        draft_brief.delay(brief_id)
    return ids
