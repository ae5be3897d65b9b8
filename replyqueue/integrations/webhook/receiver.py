"""A reference Standard Webhooks receiver: verifies signatures and de-duplicates on webhook-id.

Used by the demo (`manage.py webhook_receiver`) and by the tests as the loopback destination.
It can be told to misbehave (fail, throttle, hang) so retries can be exercised for real.
"""

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class ReceiverState:
    secret: str
    deliveries: Counter = field(default_factory=Counter)  # webhook-id -> times received (valid ones)
    payloads: dict = field(default_factory=dict)  # webhook-id -> payload
    rejected: int = 0
    # Scripted misbehaviour: a list of actions taken in order for each new request
    # ("ok", "500", "429", "hang", or any other status code such as "503", "410", "302"); when empty, every request is answered "ok", or, with a
    # failure_rate, a random share of them fails with one of the misbehaviours.
    script: list[str] = field(default_factory=list)
    hang_seconds: float = 5.0
    failure_rate: float = 0.0
    seed: int | None = None
    latency: float = 0.0  # seconds every request takes (a real endpoint is not instant)
    actions: Counter = field(default_factory=Counter)  # action -> times taken
    arrivals: dict = field(default_factory=dict)  # webhook-id -> time.time() of its first valid delivery
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def next_action(self) -> str:
        with self.lock:
            if self.script:
                action = self.script.pop(0)
            elif self.failure_rate and self.rng.random() < self.failure_rate:
                action = self.rng.choice(["500", "429", "hang"])
            else:
                action = "ok"
            self.actions[action] += 1
            return action

    @property
    def unique_deliveries(self) -> int:
        return len(self.payloads)


def make_handler(state: ReceiverState, log=None):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as any production HTTP server: every answer carries a content-length.
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the sender went away mid-body (a killed worker): nothing arrived
                self.close_connection = True
                return
            action = state.next_action()
            if state.latency:
                time.sleep(state.latency)
            if action == "hang":
                time.sleep(state.hang_seconds)
            if action == "500":
                return self._answer(500, b"temporary failure")
            if action == "429":
                return self._answer(429, b"slow down", {"Retry-After": "1"})
            if action.isdigit():  # any other status: "503" (down for a deploy), "410", "404", ...
                headers = {"Location": "http://169.254.169.254/latest/meta-data/"} if action.startswith("3") else {}
                return self._answer(int(action), b"secret internal detail: db at 10.0.0.5:5432", headers)
            try:
                payload = Webhook(state.secret).verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                with state.lock:
                    state.rejected += 1
                return self._answer(401, b"bad signature")
            message_id = self.headers["webhook-id"]
            with state.lock:
                state.deliveries[message_id] += 1
                first = message_id not in state.payloads
                state.payloads[message_id] = payload
                state.arrivals.setdefault(message_id, time.time())
            if log and first:
                log(f"webhook {message_id}: {json.dumps(payload['data']['reply'], ensure_ascii=False)}")
            self._answer(204 if action != "hang" else 200, b"")

        def _answer(self, status: int, body: bytes, headers: dict | None = None):
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (a timeout): that is the point of "hang"

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A production server's listen backlog. socketserver's default is 5: a burst of new connections
    # (a sender's threads each opening one) overflows it, and the kernel drops the extra handshakes,
    # which the senders retransmit 200 ms or more later.
    request_queue_size = 128


def start_receiver(state: ReceiverState, host: str = "127.0.0.1", port: int = 0, log=None) -> ThreadingHTTPServer:
    server = _Server((host, port), make_handler(state, log))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
