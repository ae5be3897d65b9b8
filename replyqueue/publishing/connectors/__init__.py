"""Connectors deliver a publication somewhere. Each answers with an Outcome; none raises for
an expected failure (timeouts, 4xx, 5xx): the publisher decides what happens next.

The outbox knows connectors only by name. Each platform package under
`replyqueue.integrations` (webhook, meta, youtube) registers its connector when Django starts,
so the outbox never imports a platform. `pull` is not a connector: nothing is sent, clients
list queued publications and acknowledge them.
"""

from collections.abc import Callable

from replyqueue.publishing.connectors.base import Connector, Outcome, RetrySchedule

_REGISTRY: dict[str, Callable[[], Connector]] = {}
PLATFORM_CONNECTORS: set[str] = set()  # they need a Channel (credentials, rate limit)


def register_connector(name: str, factory: Callable[[], Connector], *, needs_channel: bool) -> None:
    _REGISTRY[name] = factory
    if needs_channel:
        PLATFORM_CONNECTORS.add(name)


def get_connector(name: str) -> Connector:
    if name not in _REGISTRY:
        raise ValueError(f"No connector {name!r} can send by itself.")
    return _REGISTRY[name]()


def connector_names() -> list[str]:
    return sorted(_REGISTRY)


__all__ = ["PLATFORM_CONNECTORS", "Connector", "Outcome", "RetrySchedule", "connector_names", "get_connector", "register_connector"]
