"""HTTP for the connectors.

`http_client()`: one httpx client per process for the platform APIs (Meta, YouTube): connections
and the TLS context are reused across sends (building a client per request costs ~25 ms, loading
the CA bundle). Celery's prefork pool forks workers, so the client is made lazily in each process.

`post_pinned()`: a webhook delivery, to the address the SSRF guard checked (core/netguard.py), on
a kept-alive connection that belongs to the calling thread. It is plain `http.client`: a delivery
costs about a quarter of the CPU of an httpx request, and CPU is what limits a sender that keeps
a batch of requests in flight (docs/publishing.md, "Concurrency"). A connection is keyed by
scheme, checked address, port and host name, so a TLS connection made for one name (its SNI, its
certificate) is never reused for another name on the same address. Redirects are never followed
(http.client does not), and the answer's body is read only to keep the connection reusable: it
is never returned.
"""

import http.client
import os
import select
import ssl
import threading
from collections import OrderedDict
from dataclasses import dataclass

import httpx

_client: httpx.Client | None = None
_pid: int | None = None
_client_lock = threading.Lock()


def http_client() -> httpx.Client:
    global _client, _pid
    with _client_lock:
        if _client is None or _pid != os.getpid():
            _client = httpx.Client(limits=httpx.Limits(max_connections=50, max_keepalive_connections=10))
            _pid = os.getpid()
        return _client


class DeliveryError(Exception):
    """The request got no HTTP answer: refused, reset, timed out, a TLS failure, or not HTTP."""


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None


# An answer's body is read (and thrown away) up to this size so its connection can be reused;
# a longer one closes the connection instead.
MAX_ANSWER_BODY = 64 * 1024
MAX_CONNECTIONS_PER_THREAD = 32

_tls: ssl.SSLContext | None = None
_tls_lock = threading.Lock()
_local = threading.local()


def _tls_context() -> ssl.SSLContext:
    """httpx's default context (certifi's CA bundle, hostname checks), made once per process."""
    global _tls
    with _tls_lock:
        if _tls is None:
            _tls = httpx.create_ssl_context()
        return _tls


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TCP to the checked address; TLS (SNI and the certificate check) for the host name."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float):
        super().__init__(address, port, timeout=timeout, context=_tls_context())
        self.server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)


def _thread_connections() -> OrderedDict:
    # After a fork the child must not share the parent's sockets: a new set per process.
    if getattr(_local, "pid", None) != os.getpid():
        _local.pid, _local.connections = os.getpid(), OrderedDict()
    return _local.connections


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection with something to read was closed by the server (or sent
    garbage): not reusable. poll, not select: descriptors above 1024 are fine."""
    if connection.sock is None:
        return False
    try:
        poller = select.poll()
        poller.register(connection.sock, select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


def post_pinned(*, scheme: str, address: str, port: int, host: str, target: str, body: bytes,
                headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to `address`:`port` (already checked) for `host`, on this thread's kept-alive
    connection when it is still open. `headers` must carry `host`. Raises DeliveryError."""
    connections = _thread_connections()
    key = (scheme, address, port, host)
    connection = connections.pop(key, None)
    if connection is not None and not _still_open(connection):
        connection.close()
        connection = None
    if connection is None:
        if scheme == "https":
            connection = _PinnedHTTPSConnection(address, port, host, timeout)
        else:
            connection = http.client.HTTPConnection(address, port, timeout=timeout)
    else:
        connection.timeout = timeout
        connection.sock.settimeout(timeout)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        answer = Answer(response.status, response.getheader("retry-after"))
        response.read(MAX_ANSWER_BODY)
        reusable = response.isclosed() and not response.will_close
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise DeliveryError(error.__class__.__name__) from None
    if not reusable:
        connection.close()
        return answer
    connections[key] = connection  # most recently used last
    while len(connections) > MAX_CONNECTIONS_PER_THREAD:
        connections.popitem(last=False)[1].close()
    return answer


def close_thread_connections() -> None:
    """Close the calling thread's kept-alive delivery connections."""
    connections = _thread_connections()
    while connections:
        connections.popitem()[1].close()

