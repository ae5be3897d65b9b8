import email.utils
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | unknown | permanent | defer
    error: str = ""
    retry_after: float | None = None
    external_id: str = ""

    @classmethod
    def sent(cls, external_id: str = "") -> "Outcome":
        return cls("sent", external_id=external_id)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> "Outcome":
        return cls("retry", error=error, retry_after=retry_after)

    @classmethod
    def unknown(cls, error: str) -> "Outcome":
        return cls("unknown", error=error)

    @classmethod
    def permanent(cls, error: str) -> "Outcome":
        return cls("permanent", error=error)

    @classmethod
    def defer(cls, reason: str, seconds: float) -> "Outcome":
        """Nothing was sent (e.g. the platform's daily quota is spent): try again later, and do
        not count it as an attempt."""
        return cls("defer", error=reason, retry_after=seconds)


@dataclass(frozen=True)
class RetrySchedule:
    """A connector's own retry policy, instead of the outbox's default (full-jitter exponential
    backoff, PUBLISH_MAX_ATTEMPTS). `delays[n]` is the wait after attempt n+1 (the last repeats),
    stretched by up to `jitter` so retries of a burst spread out; never sooner than Retry-After."""

    delays: tuple[float, ...]
    max_attempts: int
    max_age_seconds: float | None = None  # give up once the first possible send is this old
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        base = self.delays[min(max(attempt, 1), len(self.delays)) - 1]
        delay = base * random.uniform(1.0, 1.0 + self.jitter)
        return max(delay, min(retry_after or 0.0, max(self.delays)))


class Connector(Protocol):
    name: str
    # Optional: `retry_schedule` (a RetrySchedule) replaces the default backoff for this connector.

    def send(self, publication) -> Outcome: ...

    def reconcile(self, publication) -> Outcome | None:
        """After an `unknown` outcome, before any re-send: `sent` when the platform already has
        the reply, another Outcome when that cannot be checked now, or None only when re-sending
        is certainly safe (nothing was published, or the destination de-duplicates on our key)."""
        ...


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def classify_http_status(status: int, body: str, retry_after: str | None) -> Outcome:
    if 200 <= status < 300:
        return Outcome.sent()
    snippet = body[:200]
    if status in (408, 425, 429) or status >= 500:
        return Outcome.retry(f"HTTP {status}: {snippet}", parse_retry_after(retry_after))
    return Outcome.permanent(f"HTTP {status} (the destination refused the reply): {snippet}")


def same_text(a: str, b: str) -> bool:
    """Platforms may trim or re-space what they store: compare replies with whitespace collapsed."""
    return " ".join(a.split()) == " ".join(b.split())


def reply_target(comment) -> str:
    """The comment a reply is attached to. Meta and YouTube thread one level deep, so a reply to a
    reply goes to the top-level comment; sending and reconciling must both look at that one."""
    return comment.parent_external_id or comment.external_id
