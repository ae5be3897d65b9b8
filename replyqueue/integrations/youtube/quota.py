"""YouTube Data API quota, counted per channel: units per day, reset at midnight Pacific time.

Every call is counted before it is made (list = 1 unit, comments.insert = 50). When the platform
says `quotaExceeded`, or the day's budget would be passed, the channel waits for the next reset.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from replyqueue.publishing.models import ChannelQuota

PACIFIC = ZoneInfo("America/Los_Angeles")
LIST_UNITS = 1
INSERT_UNITS = 50


def quota_day(now: datetime):
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    tomorrow = quota_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=PACIFIC)


def quota_wait_until(channel, units: int, now: datetime | None = None) -> datetime | None:
    """When `units` may be spent again on this channel, or None if they may be spent now."""
    now = now or timezone.now()
    row = ChannelQuota.objects.filter(channel=channel).first()
    if row and row.exhausted_until and row.exhausted_until > now:
        return row.exhausted_until
    used_today = row.units_used if row and row.day == quota_day(now) else 0
    if used_today + units > settings.YOUTUBE_DAILY_QUOTA:
        return next_reset(now)
    return None


def quota_spend(channel, units: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    today = quota_day(now)
    row, created = ChannelQuota.objects.get_or_create(channel=channel, defaults={"day": today, "units_used": units})
    if created:
        return
    for _ in range(2):  # a new day: the first spender resets the count, any other adds to it
        if ChannelQuota.objects.filter(id=row.id, day=today).update(units_used=F("units_used") + units):
            return
        if ChannelQuota.objects.filter(id=row.id).exclude(day=today).update(
            day=today, units_used=units, exhausted_until=None
        ):
            return


def quota_exhausted(channel, now: datetime | None = None) -> datetime:
    """The platform refused for quota: nothing more through this channel before the next reset."""
    now = now or timezone.now()
    until = next_reset(now)
    ChannelQuota.objects.update_or_create(
        channel=channel,
        defaults={"day": quota_day(now), "units_used": settings.YOUTUBE_DAILY_QUOTA, "exhausted_until": until},
    )
    return until
