"""One HTTP client per process: connections and the TLS context are reused across sends.

Building a client per request costs ~25 ms (loading the CA bundle) before anything is sent.
Celery's prefork pool forks workers, so the client is made lazily in each process.
"""

import os

import httpx

_client: httpx.Client | None = None
_pid: int | None = None


def http_client() -> httpx.Client:
    global _client, _pid
    if _client is None or _pid != os.getpid():
        _client = httpx.Client(limits=httpx.Limits(max_connections=50, max_keepalive_connections=10))
        _pid = os.getpid()
    return _client
