from celery import shared_task

from replyqueue.integrations.meta.comment_time import comment_time_fetch, comment_times_due
from replyqueue.integrations.meta.tokens import meta_tokens_check


@shared_task(acks_late=True, ignore_result=True)
def check_meta_tokens() -> dict:
    """Refresh each Meta channel's token expiry and warn owners before it (see tokens.py); and ask
    Graph again for the Instagram comment times whose lookup is due (a wake-up lost, a retry, a
    throttle that ended: comment_time.py)."""
    result = meta_tokens_check()
    due = comment_times_due()
    for comment_id in due:
        comment_time_fetch(comment_id)
    return {**result, "comment_times": len(due)}


@shared_task(acks_late=True, ignore_result=True)
def fetch_comment_times(comment_ids: list[int]) -> dict:
    """Replace the delivery time of these Instagram comments with their own (comment_time.py)."""
    done: dict[str, int] = {}
    for comment_id in comment_ids:
        what = comment_time_fetch(comment_id)
        done[what] = done.get(what, 0) + 1
    return done
