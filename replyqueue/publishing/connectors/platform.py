"""What the Meta and YouTube connectors share: the channel a reply goes out through, and HTTP
calls that turn transport failures into Outcomes instead of exceptions."""

import json
from dataclasses import dataclass

import httpx
from django.conf import settings

from replyqueue.publishing.connectors.base import Outcome
from replyqueue.publishing.connectors.http import http_client

# A reconcile lookup reads at most this many pages of replies; past that it is not certain.
MAX_LOOKUP_PAGES = 20


@dataclass(frozen=True)
class Account:
    """An enabled channel and its decrypted credentials."""

    channel: object
    credentials: dict

    @property
    def base_url(self) -> str:
        return self.channel.base_url.rstrip("/")


def account_for(publication, connector: str, platforms: tuple[str, ...]) -> tuple[Account | None, Outcome | None]:
    """The publication's channel, or the permanent Outcome that explains why it cannot be used."""
    channel = publication.channel
    if channel is None:
        return None, Outcome.permanent(f"No {connector} channel is connected for this comment's platform.")
    if not channel.enabled:
        return None, Outcome.permanent(f"The {channel.platform} channel '{channel}' is disabled.")
    if channel.platform not in platforms:
        return None, Outcome.permanent(f"The {connector} connector cannot publish on {channel.platform}.")
    try:
        credentials = channel.credentials
    except ValueError as error:
        return None, Outcome.permanent(str(error))
    return Account(channel, credentials), None


def call(method: str, url: str, **kwargs) -> httpx.Response | Outcome:
    """One HTTP request. A failure before the request left is a retry; after it, unknown."""
    try:
        return http_client().request(method, url, timeout=settings.PUBLISH_TIMEOUT, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        return Outcome.retry(f"Could not connect to {_host(url)}: {error.__class__.__name__}")
    except httpx.TransportError as error:
        return Outcome.unknown(f"No answer from {_host(url)}: {error.__class__.__name__}")


def json_body(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _host(url: str) -> str:
    return httpx.URL(url).host or url
