"""Who is looking at which card: short-lived marks in the cache (Redis in production)."""

import time

from django.core.cache import cache

TTL_SECONDS = 30


def _key(creator_id: int) -> str:
    return f"inbox-presence:{creator_id}"


def mark_viewing(creator_id: int, draft_id: int, user_label: str) -> None:
    viewers = cache.get(_key(creator_id), {})
    now = time.time()
    viewers = {k: v for k, v in viewers.items() if now - v[1] < TTL_SECONDS and v[0] != user_label}
    viewers[str(draft_id) + ":" + user_label] = (user_label, now)
    cache.set(_key(creator_id), viewers, TTL_SECONDS * 2)


def viewers_by_draft(creator_id: int, except_user: str) -> dict[int, list[str]]:
    now = time.time()
    result: dict[int, list[str]] = {}
    for key, (label, seen) in cache.get(_key(creator_id), {}).items():
        if now - seen < TTL_SECONDS and label != except_user:
            result.setdefault(int(key.split(":", 1)[0]), []).append(label)
    return result
