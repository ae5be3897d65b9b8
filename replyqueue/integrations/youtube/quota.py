"""YouTube quota: the ledger lives with the outbox (replyqueue/publishing/quota.py) so the inbox can
show what is left; the platform code spends from it through these names."""

from replyqueue.publishing.quota import (
    INSERT_UNITS,
    LIST_UNITS,
    PACIFIC,
    POLL,
    REPLY,
    next_reset,
    project_key,
    quota_day,
    quota_exhausted,
    quota_left,
    quota_take,
    quota_wait_until,
)

__all__ = [
    "INSERT_UNITS", "LIST_UNITS", "PACIFIC", "POLL", "REPLY", "next_reset", "project_key", "quota_day",
    "quota_exhausted", "quota_left", "quota_take", "quota_wait_until",
]
