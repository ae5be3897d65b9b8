"""The drafting tasks: thin shells that take an id and call inbox/drafting.py.

Each piece of work is a row (a `received` comment, a pending DraftRequest, a `received`
brief); a task only wakes a worker. A lost message is not lost work: `sweep_drafting` finds
the row and enqueues it again.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from replyqueue.clone.drafters import DraftingError
from replyqueue.clone.models import BriefStatus, ContentBrief
from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.core.explain import Reason
from replyqueue.core.workers import held_by_dead_q, released_claim_q
from replyqueue.inbox.drafting import (
    MAX_PROCESS_ATTEMPTS,
    MAX_REQUEST_ATTEMPTS,
    brief_draft,
    briefs_fail,
    comment_give_up,
    comment_process,
    comments_process,
    draft_request_fail,
    draft_request_run,
)
from replyqueue.inbox.models import DraftRequest, DraftRequestStatus

log = logging.getLogger(__name__)
RETRY = {"autoretry_for": (DraftingError,), "retry_backoff": 5, "retry_backoff_max": 300, "retry_jitter": True}


@shared_task(bind=True, acks_late=True, max_retries=MAX_PROCESS_ATTEMPTS, **RETRY)
def process_comment(self, comment_id: int) -> None:
    try:
        comment_process(comment_id=comment_id)
    except DraftingError as error:
        if self.request.retries >= self.max_retries:
            comment_give_up(comment_id=comment_id, error=str(error))
            return
        # Release the claim so the retry can take the comment again.
        Comment.objects.filter(id=comment_id).update(claimed_at=None, claimed_by="")
        raise


@shared_task(acks_late=True, ignore_result=True)
def process_comments(comment_ids: list[int]) -> None:
    """A burst of comments in one task (see comments_process); each comment whose drafting failed
    is retried on its own by process_comment, with its backoff and its limit."""
    for comment_id, _error in comments_process(comment_ids=comment_ids).items():
        process_comment.apply_async((comment_id,), countdown=5)


@shared_task(bind=True, acks_late=True, max_retries=MAX_REQUEST_ATTEMPTS, **RETRY)
def run_draft_request(self, request_id: int) -> None:
    try:
        draft_request_run(request_id=request_id)
    except DraftingError as error:
        if self.request.retries >= self.max_retries:
            draft_request_fail(request_id=request_id, error=str(error))
            return
        DraftRequest.objects.filter(id=request_id).update(claimed_at=None, claimed_by="")
        raise


@shared_task(bind=True, acks_late=True, max_retries=MAX_REQUEST_ATTEMPTS, **RETRY)
def draft_brief(self, brief_id: int) -> None:
    try:
        brief_draft(brief_id=brief_id)
    except DraftingError as error:
        if self.request.retries >= self.max_retries:
            briefs_fail([brief_id], str(error))
            return
        raise


def _enqueue(task, queryset, ids: list[int], batch_size: int = 0) -> None:
    """Stamp the rows as enqueued and send one message each (or one per `batch_size` rows, for a
    task that takes a list). Called after commit; a broker that is down loses nothing: the
    sweeper enqueues the rows again."""
    if not ids:
        return
    queryset.filter(id__in=ids).update(enqueued_at=timezone.now())
    messages = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)] if batch_size else ids
    for message in messages:
        try:
            task.delay(message)
        except Exception:
            log.exception("could not enqueue %s %s; the sweeper will retry", task.name, message)
            return


def enqueue_process_comment(comment_ids: list[int]) -> None:
    _enqueue(process_comments, Comment.objects, comment_ids, batch_size=settings.DRAFT_BATCH_SIZE)


def enqueue_process_comments_soon(comment_ids: list[int], seconds: float = 0.25) -> None:
    """Wake-ups that met another worker's claim, sent again a moment later (a triage batch takes
    about a tenth of a second)."""
    try:
        process_comments.apply_async((comment_ids,), countdown=seconds)
    except Exception:
        log.exception("could not enqueue process_comments %s; the sweeper will retry", comment_ids)


def enqueue_draft_request(request_ids: list[int]) -> None:
    _enqueue(run_draft_request, DraftRequest.objects, request_ids)


def enqueue_brief(brief_ids: list[int]) -> None:
    _enqueue(draft_brief, ContentBrief.objects, brief_ids)


def _lost(queryset, limit: int) -> list[int]:
    """Rows whose wake-up was never sent or got lost, and that no live worker holds."""
    now = timezone.now()
    lost = now - timedelta(seconds=settings.LOST_TASK_SECONDS)
    waiting = queryset.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost))
    if hasattr(queryset.model, "claimed_at"):
        # No claim, a stale one, or one held by a dead worker: a wake-up sent after a dead
        # worker's claim can itself be lost (a broker restart), and must not wait for the stale timeout.
        waiting = waiting.filter(released_claim_q(now))
        # Held by a worker that stopped beating, and not woken again since it claimed: now.
        if (dead := held_by_dead_q()) is not None:
            waiting = waiting | queryset.filter(dead).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=F("claimed_at")))
    return list(waiting.order_by("id").values_list("id", flat=True)[:limit])


def _lost_or_failed(queryset, limit: int, fail) -> list[int]:
    """The lost rows to wake again. A lost row that already crashed a worker on each of its
    MAX_REQUEST_ATTEMPTS + 1 attempts is failed instead (one still held by a live worker is not lost)."""
    lost = _lost(queryset, limit)
    crashed = set(queryset.filter(id__in=lost, attempts__gte=MAX_REQUEST_ATTEMPTS + 1).values_list("id", flat=True))
    if crashed:
        fail(sorted(crashed))
    return [row_id for row_id in lost if row_id not in crashed]


def comments_waiting(limit: int = 500) -> list[int]:
    return _lost(Comment.objects.filter(status=CommentStatus.RECEIVED), limit)


def sweep_drafting_once() -> dict:
    stuck = Comment.objects.filter(id__in=comments_waiting(), attempts__gte=MAX_PROCESS_ATTEMPTS)
    for comment_id in stuck.values_list("id", flat=True):
        comment_give_up(comment_id=comment_id, error=f"processing crashed {MAX_PROCESS_ATTEMPTS} times")
    comment_ids = comments_waiting()
    enqueue_process_comment(comment_ids)
    crashed = Reason("drafting crashed %(count)s times", count=MAX_REQUEST_ATTEMPTS + 1)

    def requests_fail(request_ids: list[int]) -> None:
        for request_id in request_ids:
            draft_request_fail(request_id=request_id, error=str(crashed))

    request_ids = _lost_or_failed(DraftRequest.objects.filter(status=DraftRequestStatus.PENDING), 200, requests_fail)
    enqueue_draft_request(request_ids)
    brief_ids = _lost_or_failed(
        ContentBrief.objects.filter(status=BriefStatus.RECEIVED), 100, lambda ids: briefs_fail(ids, crashed)
    )
    enqueue_brief(brief_ids)
    return {"comments": len(comment_ids), "draft_requests": len(request_ids), "briefs": len(brief_ids)}


@shared_task(acks_late=True, ignore_result=True)
def sweep_drafting() -> dict:
    return sweep_drafting_once()


@shared_task(bind=True, acks_late=True, max_retries=5, retry_backoff=10, retry_jitter=True, autoretry_for=(OSError,))
def notify_owner(self, comment_id: int) -> None:
    """Email the owners about an owner-only comment (threat, distress, escalation) at once."""
    from replyqueue.inbox.notifications import owner_alert_send

    owner_alert_send(comment_id=comment_id)


@shared_task(bind=True, acks_late=True, max_retries=5, retry_backoff=10, retry_jitter=True, autoretry_for=(OSError,))
def notify_owners(self, comment_ids: list[int]) -> int:
    """Email the owners about owner-only comments that arrived together: one email per creator."""
    from replyqueue.inbox.notifications import owner_alerts_send

    return owner_alerts_send(comment_ids=comment_ids)


@shared_task(acks_late=True)
def send_digests() -> int:
    """Beat, once a day: each creator's owners get what waits for them."""
    from replyqueue.inbox.notifications import digests_send

    return digests_send()


def enqueue_owner_alerts(comment_ids: list[int]) -> None:
    """One message for the comments a batch sent to the owner (one email, one broker round trip)."""
    if not comment_ids:
        return
    try:
        notify_owners.delay(list(comment_ids))
    except Exception:
        log.exception("could not enqueue the owner alert for comments %s", comment_ids)
