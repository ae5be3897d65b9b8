import logging

from celery import shared_task
from django.conf import settings

from replyqueue.integrations.meta.comment_time import comment_time_fetch, comment_times_to_wake
from replyqueue.integrations.meta.tokens import meta_tokens_check

log = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def check_meta_tokens() -> dict:
    """Refresh each Meta channel's token expiry and warn owners before it (see tokens.py)."""
    return meta_tokens_check()


@shared_task(acks_late=True, ignore_result=True)
def fetch_comment_times(comment_ids: list[int]) -> dict:
    """Replace the delivery time of these Instagram comments with their own (comment_time.py)."""
    done: dict[str, int] = {}
    for comment_id in comment_ids:
        what = comment_time_fetch(comment_id)
        done[what] = done.get(what, 0) + 1
    return done


@shared_task(acks_late=True, ignore_result=True)
def sweep_comment_times() -> dict:
    """Beat, every COMMENT_TIME_SWEEP_INTERVAL: wake workers again for the comment-time lookups that
    are due and whose wake-up is missing or lost (comment_time.py), a bounded number a run and a
    few to a task, so no run and no task holds a worker for long."""
    comment_ids = comment_times_to_wake()
    size = max(settings.COMMENT_TIME_TASK_SIZE, 1)
    for start in range(0, len(comment_ids), size):
        try:
            fetch_comment_times.delay(comment_ids[start:start + size])
        except Exception:  # the broker is down: stamped, so woken again after LOST_TASK_SECONDS
            log.exception("could not enqueue the time lookups of comments %s", comment_ids[start:])
            break
    return {"comment_times": len(comment_ids)}
