import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | unknown | permanent
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


class Connector(Protocol):
    name: str

    def send(self, publication) -> Outcome: ...

    def reconcile(self, publication) -> Outcome | None:
        """After an `unknown` outcome: the platform's answer (sent or not), or None when
        re-sending is safe because the destination de-duplicates on our idempotency key."""
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
