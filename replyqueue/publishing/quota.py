"""Daily API quota per Google Cloud project (YouTube Data API): 10,000 units a day by default, reset
at midnight Pacific time, shared by every channel whose calls are made with that project's
credentials (comments.insert = 50 units, any list = 1).

Every call takes its units from the project's `QuotaLedger` row *before* it is made, with one
conditional UPDATE, so workers and pollers cannot overspend between them. Replies may use the whole
day; polling stops YOUTUBE_REPLY_RESERVE units short, so approved replies still go out on a busy
day. When Google answers `quotaExceeded` the project waits for the next reset.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from replyqueue.publishing.models import QuotaLedger

PACIFIC = ZoneInfo("America/Los_Angeles")
LIST_UNITS = 1
INSERT_UNITS = 50
REPLY = "reply"
POLL = "poll"


def quota_day(now: datetime):
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    tomorrow = quota_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=PACIFIC)


def project_key(channel) -> str:
    """The Cloud project a channel's calls are counted against: the one named in its credentials
    (`project`, else its OAuth `client_id`, which belongs to exactly one project), else YOUTUBE_PROJECT."""
    try:
        credentials = channel.credentials
    except ValueError:
        credentials = {}
    return str(credentials.get("project") or credentials.get("client_id") or settings.YOUTUBE_PROJECT)[:200]


def _limit(purpose: str) -> int:
    daily = settings.YOUTUBE_DAILY_QUOTA
    return daily if purpose == REPLY else max(daily - settings.YOUTUBE_REPLY_RESERVE, 0)


def _ledger(project: str, now: datetime) -> QuotaLedger:
    day = quota_day(now)
    try:
        with transaction.atomic():
            row, _ = QuotaLedger.objects.get_or_create(project=project, day=day)
    except IntegrityError:  # created by another worker at the same moment
        row = QuotaLedger.objects.get(project=project, day=day)
    return row


def quota_wait_until(channel, units: int, purpose: str = REPLY, now: datetime | None = None) -> datetime | None:
    """When `units` may be spent again for this purpose, or None if they may be spent now."""
    now = now or timezone.now()
    row = QuotaLedger.objects.filter(project=project_key(channel), day=quota_day(now)).first()
    if row is None:
        return None if units <= _limit(purpose) else next_reset(now)
    if row.exhausted_until and row.exhausted_until > now:
        return row.exhausted_until
    if row.units_used + units > _limit(purpose):
        return next_reset(now)
    return None


def quota_take(channel, units: int, purpose: str = REPLY, now: datetime | None = None) -> datetime | None:
    """Take `units` from the project's day before a call: None when taken, else when to try again."""
    now = now or timezone.now()
    row = _ledger(project_key(channel), now)
    taken = QuotaLedger.objects.filter(
        id=row.id, units_used__lte=_limit(purpose) - units
    ).exclude(exhausted_until__gt=now).update(
        units_used=F("units_used") + units,
        reply_units=F("reply_units") + (units if purpose == REPLY else 0),
    )
    if taken:
        return None
    return quota_wait_until(channel, units, purpose, now) or next_reset(now)


def quota_exhausted(channel, now: datetime | None = None) -> datetime:
    """Google refused for quota: nothing more on this project before the next reset."""
    now = now or timezone.now()
    until = next_reset(now)
    row = _ledger(project_key(channel), now)
    QuotaLedger.objects.filter(id=row.id).update(units_used=settings.YOUTUBE_DAILY_QUOTA, exhausted_until=until)
    return until


def quota_left(project: str | None = None, now: datetime | None = None) -> dict:
    """What the inbox shows: units left today for replies, and when the day resets."""
    now = now or timezone.now()
    project = project or settings.YOUTUBE_PROJECT
    row = QuotaLedger.objects.filter(project=project, day=quota_day(now)).first()
    used = row.units_used if row else 0
    exhausted = bool(row and row.exhausted_until and row.exhausted_until > now)
    left = 0 if exhausted else max(settings.YOUTUBE_DAILY_QUOTA - used, 0)
    return {"project": project, "units_left": left, "replies_left": left // INSERT_UNITS, "resets_at": next_reset(now)}
