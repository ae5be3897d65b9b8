from celery import shared_task

from replyqueue.integrations.meta.tokens import meta_tokens_check


@shared_task(acks_late=True, ignore_result=True)
def check_meta_tokens() -> dict:
    """Refresh each Meta channel's token expiry and warn owners before it (see tokens.py)."""
    return meta_tokens_check()
