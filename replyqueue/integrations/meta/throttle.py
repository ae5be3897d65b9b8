"""Meta throttling: wait, don't burn attempts.

Graph refuses a throttled call with error code 4 (app), 17 (user), 32 (page), 613 (custom) or
80000-80014 (business use case), and reports usage on most answers in headers whose values are
JSON percentages (Graph API "Rate Limits"):

- `X-App-Usage` (and `X-Page-Usage`): `{"call_count": 28, "total_time": 25, "total_cputime": 25}`
- `X-Business-Use-Case-Usage`: `{"<id>": [{"type": "pages", "call_count": 100, "total_time": 25,
  "total_cputime": 25, "estimated_time_to_regain_access": 19}]}`; the estimate is in minutes.

A throttled or nearly throttled channel is held (`ChannelQuota.exhausted_until`): every publication
through it is deferred (an Outcome of kind `defer`, not an attempt) until the hold ends, however
many hours that is. At USAGE_HOLD_PERCENT we stop before Meta refuses.
"""

import json
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from replyqueue.publishing.connectors.base import Outcome
from replyqueue.publishing.models import ChannelQuota

THROTTLED = {4, 17, 32, 613} | set(range(80000, 80015))
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
USAGE_HOLD_PERCENT = 95


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def usage(headers) -> tuple[float, float]:
    """The highest usage percentage any usage header reports, and the longest
    `estimated_time_to_regain_access` (in seconds; 0 when none is given)."""
    highest = regain = 0.0
    for name in USAGE_HEADERS:
        try:
            value = json.loads(headers.get(name) or "{}")
        except ValueError:
            continue
        entries = []
        if isinstance(value, dict) and name == "x-business-use-case-usage":
            entries = [entry for items in value.values() if isinstance(items, list) for entry in items]
        elif isinstance(value, dict):
            entries = [value]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            highest = max(highest, *(_number(entry.get(key)) for key in ("call_count", "total_time", "total_cputime")))
            regain = max(regain, _number(entry.get("estimated_time_to_regain_access")) * 60.0)
    return highest, regain


def hold_seconds(regain: float) -> float:
    """Meta's estimate when it gives one; else the fallback (Platform limits are a rolling hour),
    with jitter so held channels do not all come back at once."""
    fallback = settings.META_THROTTLE_FALLBACK_SECONDS
    return regain if regain > 0 else fallback * random.uniform(1.0, 1.2)


def channel_hold(channel, seconds: float, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    until = now + timedelta(seconds=seconds)
    row, _ = ChannelQuota.objects.get_or_create(channel=channel, defaults={"day": now.date()})
    if not row.exhausted_until or row.exhausted_until < until:
        ChannelQuota.objects.filter(id=row.id).update(exhausted_until=until)
    return until


def channel_held_until(channel, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    until = ChannelQuota.objects.filter(channel=channel).values_list("exhausted_until", flat=True).first()
    return until if until and until > now else None


def deferral(channel) -> Outcome | None:
    """Defer without calling Meta while the channel is held."""
    if until := channel_held_until(channel):
        seconds = max((until - timezone.now()).total_seconds(), 1.0)
        return Outcome.defer(f"Meta rate limit: waiting until {until:%Y-%m-%d %H:%M %Z}.", seconds)
    return None


def note_usage(channel, headers) -> None:
    """After any answer: hold the channel when its usage reached USAGE_HOLD_PERCENT."""
    highest, regain = usage(headers)
    if highest >= USAGE_HOLD_PERCENT:
        channel_hold(channel, hold_seconds(regain))


def throttled_outcome(channel, headers, described: str) -> Outcome:
    _, regain = usage(headers)
    until = channel_hold(channel, hold_seconds(regain))
    seconds = max((until - timezone.now()).total_seconds(), 1.0)
    return Outcome.defer(f"Throttled by Meta until about {until:%Y-%m-%d %H:%M %Z}. {described}", seconds)
