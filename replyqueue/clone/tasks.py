import logging

from celery import shared_task
from django.utils import timezone

from replyqueue.clone.drafters import DraftingError
from replyqueue.clone.services import MAX_PROCESS_ATTEMPTS, comment_give_up, comment_process

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DraftingError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_PROCESS_ATTEMPTS,
)
def process_comment(self, comment_id: int) -> None:
    from replyqueue.comments.models import Comment

    try:
        comment_process(comment_id=comment_id)
    except DraftingError as error:
        if self.request.retries >= self.max_retries:
            comment_give_up(comment_id=comment_id, error=str(error))
            return
        # Release the claim so the retry can take the comment again.
        Comment.objects.filter(id=comment_id).update(claimed_at=None)
        raise


def enqueue_process_comment(comment_ids: list[int]) -> None:
    """Called after commit. A lost message is not lost work: the sweeper finds the comment."""
    from replyqueue.comments.models import Comment

    if not comment_ids:
        return
    Comment.objects.filter(id__in=comment_ids).update(enqueued_at=timezone.now())
    for comment_id in comment_ids:
        try:
            process_comment.delay(comment_id)
        except Exception:  # broker down: the sweeper will enqueue it later
            log.exception("could not enqueue comment %s; the sweeper will retry", comment_id)
            return


@shared_task(acks_late=True, autoretry_for=(DraftingError,), retry_backoff=5, max_retries=3)
def redraft_comment(comment_id: int, instruction: str = "", alternatives: int = 1, user_id: int | None = None) -> None:
    from replyqueue.clone.services import comment_redraft

    comment_redraft(comment_id=comment_id, instruction=instruction, alternatives=alternatives, user_id=user_id)


def enqueue_redraft(comment_id: int, instruction: str = "", alternatives: int = 1, user_id: int | None = None) -> None:
    redraft_comment.delay(comment_id, instruction, alternatives, user_id)


@shared_task(acks_late=True, autoretry_for=(DraftingError,), retry_backoff=5, max_retries=3)
def draft_brief(brief_id: int) -> None:
    from replyqueue.clone.variants import brief_draft

    brief_draft(brief_id=brief_id)
