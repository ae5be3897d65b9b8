"""One HTTP client per process: connections and the TLS context are reused across sends.

Building a client per request costs ~25 ms (loading the CA bundle) before anything is sent.
Celery's prefork pool forks workers, so the client is made lazily in each process.
"""

import os
import threading

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


_pinned: dict[str, httpx.Client] = {}
_pinned_pid: int | None = None
_pinned_lock = threading.Lock()  # a batch sends from several threads at once
MAX_PINNED_CLIENTS = 64


def pinned_client(host: str) -> httpx.Client:
    """A client for requests sent to a checked IP address on behalf of `host` (see
    core/netguard.py). One per host name, so a kept-alive TLS connection made for one name (its
    SNI, its certificate) is never reused for another name on the same address. Never follows
    redirects: a redirect could lead anywhere, past the address check."""
    global _pinned_pid
    with _pinned_lock:
        if _pinned_pid != os.getpid():
            _pinned.clear()
            _pinned_pid = os.getpid()
        client = _pinned.pop(host, None)
        if client is None:
            client = httpx.Client(
                follow_redirects=False, limits=httpx.Limits(max_connections=50, max_keepalive_connections=10)
            )
            while len(_pinned) >= MAX_PINNED_CLIENTS:
                _pinned.pop(next(iter(_pinned))).close()
        _pinned[host] = client  # most recently used last
        return client
