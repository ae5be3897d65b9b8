"""Loopback stand-ins for the Meta Graph API and the YouTube Data API v3.

Real HTTP on 127.0.0.1 (ThreadingHTTPServer), the platforms' request and answer formats, their
error bodies, and scripted misbehaviour: each request takes the next action of `script` (writes)
or `list_script` (reads), "ok" once the script is empty. Replies created are kept, so tests can
assert a reply was published exactly once.

Common actions: "ok", "500" (an error body in the platform's shape), "html500" (a proxy page),
"429" (with Retry-After), "hang" (nothing happens, the answer comes after hang_seconds),
"accept_then_hang" (the reply is created, the answer comes too late), "malformed" (the reply is
created, the answer is not JSON). Each fake adds its own (Meta: "throttle:<code>", "token",
"deleted", "permission"; YouTube: "quota", "rate", "forbidden", "disabled", "notfound", "unauthorized").
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from django.utils import timezone

from replyqueue.comments.models import Channel
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.publishing.models import Publication
from replyqueue.publishing.sending import publication_send
from tests.factories import drafted


@dataclass
class Reply:
    id: str
    parent_id: str
    text: str
    author_id: str
    author_name: str
    filtered: bool = False  # left out by Facebook's default filtering (listed only with filter=stream)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict | None = None

    @classmethod
    def json(cls, status: int, data, headers: dict | None = None) -> "Answer":
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json; charset=UTF-8", **(headers or {})})


class FakePlatform:
    def __init__(self):
        self.script: list[str] = []
        self.list_script: list[str] = []
        self.hang_seconds = 1.5
        self.replies: list[Reply] = []
        self.deleted: set[str] = set()
        self.calls: Counter = Counter()  # (method, path kind) -> requests received
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "FakePlatform":
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    # -- state --------------------------------------------------------------------------------
    def next_action(self, method: str) -> str:
        with self.lock:
            script = self.script if method == "POST" else self.list_script
            return script.pop(0) if script else "ok"

    def add_reply(self, parent_id: str, text: str, author_id: str, author_name: str = "someone") -> Reply:
        with self.lock:
            reply = Reply(self.new_id(), parent_id, text, author_id, author_name)
            self.replies.append(reply)
            return reply

    def replies_to(self, parent_id: str) -> list[Reply]:
        with self.lock:
            return [reply for reply in self.replies if reply.parent_id == parent_id]

    def new_id(self) -> str:
        return str(17_900_000_000_000_000 + next(self._ids))

    def handle(self, method: str, path: str, query: dict, headers: dict, body: bytes) -> Answer:
        raise NotImplementedError

    def common_misbehaviour(self, action: str, error: Answer) -> Answer | None:
        """The answer for a generic action that does not touch state, or None."""
        if action == "hang":
            time.sleep(self.hang_seconds)
            return error
        if action == "500":
            return error
        if action == "html500":
            return Answer(502, b"<html><body>Bad Gateway</body></html>", {"content-type": "text/html"})
        return None


def _handler(fake: FakePlatform):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def _serve(self, method: str):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            parsed = urlparse(self.path)
            query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            answer = fake.handle(method, parsed.path, query, headers, body)
            try:
                self.send_response(answer.status)
                for name, value in (answer.headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is what "hang" is for

        def log_message(self, *args):
            pass

    return Handler


# -- Meta Graph API ------------------------------------------------------------------------------


# The fields each node type has (Graph reference: IG Comment, Comment, and the `from` objects).
# Asking a node for anything else is refused with error 100, as the real Graph API does.
NODE_FIELDS = {
    "IGComment": {"id", "from", "hidden", "legacy_instagram_comment_id", "like_count", "media", "parent_id",
                  "replies", "text", "timestamp", "user", "username"},
    "Comment": {"id", "attachment", "can_comment", "can_remove", "can_hide", "can_like", "can_reply_privately",
                "comment_count", "created_time", "from", "like_count", "message", "message_tags", "object",
                "parent", "permalink_url", "private_reply_conversation", "user_likes", "is_hidden", "is_private"},
}
SUBFIELDS = {("IGComment", "from"): {"id", "username"}, ("Comment", "from"): {"id", "name", "picture"}}


def split_fields(fields: str) -> list[tuple[str, str]]:
    """`id,from{id,name},message` -> [("id", ""), ("from", "id,name"), ("message", "")]."""
    parts, depth, current = [], 0, ""
    for char in fields + ",":
        if char == "," and depth == 0:
            if current.strip():
                name, _, rest = current.strip().partition("{")
                parts.append((name.strip(), rest.removesuffix("}")))
            current = ""
            continue
        depth += (char == "{") - (char == "}")
        current += char
    return parts


def unknown_field(node: str, fields: str) -> str | None:
    for name, sub in split_fields(fields):
        if name not in NODE_FIELDS[node]:
            return name
        allowed = SUBFIELDS.get((node, name))
        for subname, _ in split_fields(sub) if sub else []:
            if allowed is not None and subname not in allowed:
                return subname
    return None


def graph_error(code: int, message: str, subcode: int | None = None, status: int = 400, kind="OAuthException",
                headers: dict | None = None, transient: bool | None = None):
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    return Answer.json(status, {"error": error}, headers)


# Graph's throttling errors ("Rate Limits" and "Error codes" references) and the usage header each
# level of limit reports. Graph sends no Retry-After: the BUC header's estimate (minutes) is the hint.
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
}
TEMPORARY_MESSAGES = {
    341: "(#341) Application limit reached",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
}


class FakeGraph(FakePlatform):
    """`POST /{version}/{ig-comment-id}/replies` and `POST /{version}/{comment-id}/comments` with
    `message`; GET on the same edges lists replies (`data` + cursor `paging`)."""

    def __init__(self, access_token: str = "page-token", app_secret: str = "", page_size: int = 25,
                 page_id: str = "17841400000000001"):
        super().__init__()
        self.access_token = access_token
        self.app_secret = app_secret
        self.page_size = page_size
        self.page_id = page_id  # the account the access token belongs to: replies are posted as it
        self.filter_new_replies = False  # Facebook's default filtering hides the replies we create
        # Rate-limit usage, in percent of the app's hourly budget: each call adds usage_per_call;
        # at 100 every call is refused with code 4 (X-App-Usage) until reset_usage().
        self.usage = 0.0
        self.usage_per_call = 0.0
        self.regain_minutes = 0  # what X-Business-Use-Case-Usage says when a page/BUC limit is hit
        # What /debug_token says about access_token (Unix seconds; 0: never), and the app it belongs to.
        self.app_id = "1234567890"
        self.token_expires_at = 0
        self.data_access_expires_at = 0
        self.comments: dict[str, dict] = {}  # fans' IG comments, by id (add_comment)
        self.versions: Counter = Counter()  # "v24.0" -> calls made with that version in the path

    def usage_headers(self, code: int | None = None) -> dict:
        """The headers Graph documents for usage: X-App-Usage for app/user limits,
        X-Business-Use-Case-Usage (page tokens) with estimated_time_to_regain_access in minutes."""
        if code in (32, 613) or (code or 0) >= 80000:
            entry = {"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 20,
                     "estimated_time_to_regain_access": self.regain_minutes}
            return {"X-Business-Use-Case-Usage": json.dumps({self.page_id: [entry]})}
        usage = 100 if code else round(self.usage)
        if not usage:
            return {}  # Graph adds usage headers only once enough calls were made
        return {"X-App-Usage": json.dumps({"call_count": usage, "total_cputime": 5, "total_time": 8})}

    def handle(self, method, path, query, headers, body) -> Answer:
        parts = path.strip("/").split("/")
        with self.lock:
            self.versions[parts[0]] += 1  # the Graph version each call named
        if len(parts) == 2 and parts[1] == "debug_token" and method == "GET":
            with self.lock:
                self.calls[(method, "debug_token")] += 1
            return self._debug_token(query)
        if len(parts) == 2 and method == "GET":
            with self.lock:
                self.calls[(method, "node")] += 1
            return self._node(parts[1], query, headers)
        if len(parts) != 3 or parts[2] not in ("replies", "comments"):
            return graph_error(100, "Unknown path components", status=400, kind="GraphMethodException")
        _, comment_id, edge = parts
        params = {**query, **{k: v[-1] for k, v in parse_qs(body.decode()).items()}}
        with self.lock:
            self.calls[(method, edge)] += 1
        action = self.next_action(method)
        error2 = graph_error(2, "An unexpected error has occurred. Please retry your request later.", status=500,
                             transient=True)
        if answer := self.common_misbehaviour(action, error2):
            return answer
        if action == "429":  # a proxy in between, not Graph: no Graph error body, no Retry-After
            return Answer(429, b"Too Many Requests", {"content-type": "text/plain"})
        with self.lock:
            self.usage = min(self.usage + self.usage_per_call, 100.0) if self.usage < 100 else self.usage
            over = self.usage >= 100 and self.usage_per_call > 0
        if over and not action.startswith("throttle:"):
            action = "throttle:4"
        if action.startswith("throttle:"):
            code = int(action.split(":")[1])
            return graph_error(code, THROTTLE_MESSAGES[code], status=400, headers=self.usage_headers(code),
                               transient=True)
        if action.startswith("temporary:"):
            code = int(action.split(":")[1])
            return graph_error(code, TEMPORARY_MESSAGES[code], status=400, transient=True)
        token = headers.get("authorization", "").removeprefix("Bearer ") or params.get("access_token", "")
        if action == "token" or token != self.access_token:
            return graph_error(190, "Error validating access token: Session has expired.", subcode=463)
        if self.app_secret and params.get("appsecret_proof") != self._proof(token):
            return graph_error(100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException")
        if action == "permission":
            return graph_error(10, "(#10) Application does not have permission for this action", status=403)
        if action == "deleted" or comment_id in self.deleted:
            return graph_error(
                100,
                f"Unsupported {method.lower()} request. Object with ID '{comment_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                subcode=33,
                kind="GraphMethodException",
            )
        answer = self._list(comment_id, edge, params) if method == "GET" else self._create(comment_id, params, action)
        if answer.status == 200:
            answer.headers = {**(answer.headers or {}), **self.usage_headers()}
        return answer

    def _debug_token(self, query: dict) -> Answer:
        """`GET /debug_token?input_token=...&access_token=...`: the access token must be the app token
        (`{app-id}|{app-secret}`) or a valid token of the same app; an invalid input token is answered
        200 with `is_valid: false` and the reason in `data.error`."""
        app_token = f"{self.app_id}|{self.app_secret}"
        if query.get("access_token") not in (app_token, self.access_token):
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if query.get("input_token") != self.access_token:
            return Answer.json(200, {"data": {"app_id": self.app_id, "is_valid": False, "error": {
                "code": 190, "message": "Error validating access token: Session has expired.", "subcode": 463}}})
        return Answer.json(200, {"data": {
            "app_id": self.app_id, "type": "PAGE", "application": "replyqueue", "is_valid": True,
            "expires_at": self.token_expires_at, "data_access_expires_at": self.data_access_expires_at,
            "issued_at": 1767225600, "profile_id": self.page_id, "scopes": ["instagram_manage_comments"],
            "user_id": "10215241773831025",
        }})

    def add_comment(self, comment_id: str, text: str, timestamp: str, author_id: str = "17841499999",
                    username: str = "sam.shoots", media_id: str = "18000000001") -> None:
        """A fan's IG comment as Graph stores it: readable with `GET /{ig-comment-id}?fields=...`."""
        with self.lock:
            self.comments[comment_id] = {
                "id": comment_id, "text": text, "timestamp": timestamp, "username": username,
                "from": {"id": author_id, "username": username}, "media": {"id": media_id},
                "like_count": 0, "hidden": False,
            }

    def _node(self, node_id: str, query: dict, headers: dict) -> Answer:
        """`GET /{ig-comment-id}?fields=...`: only the fields asked for (`id` when none are), the
        timestamp in Graph's format ("2026-01-01T11:58:04+0000"); a field the IG Comment node does
        not have is error 100, an id Graph does not know is error 100/33."""
        action = self.next_action("GET")
        error2 = graph_error(2, "An unexpected error has occurred. Please retry your request later.", status=500,
                             transient=True)
        if answer := self.common_misbehaviour(action, error2):
            return answer
        if action.startswith("throttle:"):
            code = int(action.split(":")[1])
            return graph_error(code, THROTTLE_MESSAGES[code], status=400, headers=self.usage_headers(code),
                               transient=True)
        token = headers.get("authorization", "").removeprefix("Bearer ") or query.get("access_token", "")
        if action == "token" or token != self.access_token:
            return graph_error(190, "Error validating access token: Session has expired.", subcode=463)
        if self.app_secret and query.get("appsecret_proof") != self._proof(token):
            return graph_error(100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException")
        with self.lock:
            comment = self.comments.get(node_id)
        if action == "deleted" or comment is None or node_id in self.deleted:
            return graph_error(
                100,
                f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation.",
                subcode=33,
                kind="GraphMethodException",
            )
        fields = query.get("fields") or "id"
        if missing := unknown_field("IGComment", fields):
            return graph_error(100, f"(#100) Tried accessing nonexisting field ({missing}) on node type (IGComment)")
        asked = {name for name, _ in split_fields(fields)} | {"id"}  # Graph always adds the id
        return Answer.json(200, {key: value for key, value in comment.items() if key in asked}, self.usage_headers())

    def reset_usage(self) -> None:
        with self.lock:
            self.usage = 0.0

    def _proof(self, token: str) -> str:
        return hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()

    def _create(self, comment_id: str, params: dict, action: str) -> Answer:
        if not params.get("message"):
            return graph_error(100, "(#100) The parameter message is required", kind="GraphMethodException")
        reply = self.add_reply(comment_id, params["message"], self.page_id, "Mia Snaps")
        reply.filtered = self.filter_new_replies
        if action == "accept_then_hang":
            time.sleep(self.hang_seconds)
        if action == "malformed":
            return Answer(200, b'{"id": "' + reply.id.encode(), {"content-type": "application/json"})
        return Answer.json(200, {"id": reply.id})

    def _list(self, comment_id: str, edge: str, params: dict) -> Answer:
        node = "IGComment" if edge == "replies" else "Comment"
        if missing := unknown_field(node, params.get("fields") or "id"):
            return graph_error(100, f"(#100) Tried accessing nonexisting field ({missing}) on node type ({node})")
        replies = self.replies_to(comment_id)
        if edge == "comments" and params.get("filter") != "stream":
            replies = [reply for reply in replies if not reply.filtered]  # Facebook's default filtering
        start = int(params.get("after") or 0)
        limit = min(int(params.get("limit") or 25), self.page_size)
        page = replies[start:start + limit]
        if edge == "replies":  # Instagram comment fields
            data = [{"id": r.id, "text": r.text, "username": r.author_name,
                     "from": {"id": r.author_id, "username": r.author_name}} for r in page]
        else:  # Facebook comment fields
            data = [{"id": r.id, "message": r.text, "from": {"id": r.author_id, "name": r.author_name}} for r in page]
        asked = {name for name, _ in split_fields(params.get("fields") or "id")}
        data = [{key: value for key, value in item.items() if key in asked} for item in data]  # only what was asked
        paging = {"cursors": {"before": str(start), "after": str(start + len(page))}}
        if start + len(page) < len(replies):
            paging["next"] = f"{self.url}/v24.0/{comment_id}/{edge}?{urlencode({'after': start + len(page)})}"
        return Answer.json(200, {"data": data, "paging": paging})


# -- YouTube Data API v3 -------------------------------------------------------------------------


def google_error(status: int, reason: str, message: str, domain: str = "youtube.comment", headers=None) -> Answer:
    statuses = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
    return Answer.json(
        status,
        {"error": {"code": status, "message": message, "errors": [{"message": message, "domain": domain,
                                                                   "reason": reason}],
                   "status": statuses.get(status, "UNKNOWN")}},
        headers,
    )


@dataclass
class Thread:
    id: str
    video_id: str
    text: str
    author_channel_id: str
    author_name: str
    published_at: str


class FakeYouTube(FakePlatform):
    """comments.insert / comments.list (replies) / commentThreads.list, plus the OAuth token endpoint."""

    def __init__(self, access_token: str = "ya29.token", channel_id: str = "UCcreator", page_size: int = 100):
        super().__init__()
        self.access_token = access_token
        self.channel_id = channel_id
        self.refresh_token = "1//refresh"
        self.page_size = page_size
        self.threads: list[Thread] = []  # newest first, as order=time lists them
        self.refreshes = 0
        # Quota as Google counts it: per Cloud project (the OAuth client a token was issued to),
        # whichever channel calls; 50 units per comments.insert, 1 per list; quotaExceeded beyond.
        self.daily_quota = 10_000
        self.units: Counter = Counter()  # project -> units spent today
        self.token_channels: dict[str, tuple[str, str]] = {}  # extra tokens -> (channel id, project)
        self.project = "default"  # the project of `access_token`
        # commentThreads.list with part=replies includes only some of a thread's replies (Google:
        # "may not contain all replies"); comments.list?parentId= lists them all, 1 unit a page.
        self.inline_replies = 2

    def authorize(self, token: str, channel_id: str, project: str = "default") -> None:
        """Another channel connected with its own token, possibly through the same project."""
        self.token_channels[token] = (channel_id, project)

    def _caller(self, headers: dict) -> tuple[str, str] | None:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token == self.access_token:
            return self.channel_id, self.project
        return self.token_channels.get(token)

    def add_thread(self, thread_id: str, text: str, published_at: str, author: str = "UCfan", video="vid1"):
        with self.lock:
            self.threads.insert(0, Thread(thread_id, video, text, author, f"fan {author}", published_at))

    def handle(self, method, path, query, headers, body) -> Answer:
        if path == "/token":
            return self._token(body)
        resource = path.removeprefix("/youtube/v3/")
        with self.lock:
            self.calls[(method, resource)] += 1
        action = self.next_action(method)
        backend = google_error(503, "backendError", "The service is currently unavailable.", domain="global")
        if answer := self.common_misbehaviour(action, backend):
            return answer
        if answer := self._refusal(action, headers):
            return answer
        channel_id, project = self._caller(headers)
        cost = 50 if method == "POST" else 1
        with self.lock:
            if self.units[project] + cost > self.daily_quota:
                exceeded = True
            else:
                exceeded = False
                self.units[project] += cost
        if exceeded:
            return self._refusal("quota", headers)
        if (method, resource) == ("POST", "comments"):
            return self._insert(body, action, channel_id)
        if (method, resource) == ("GET", "comments"):
            return self._list_replies(query)
        if (method, resource) == ("GET", "commentThreads"):
            return self._list_threads(query)
        return google_error(404, "notFound", "Not Found", domain="global")

    def _refusal(self, action: str, headers: dict) -> Answer | None:
        if action == "quota":
            return google_error(403, "quotaExceeded", "The request cannot be completed because you have exceeded "
                                "your quota.", domain="youtube.quota")
        if action in ("429", "rate"):  # Google documents no Retry-After here
            return google_error(429, "rateLimitExceeded", "Rate limit exceeded.", domain="youtube.quota")
        if action == "unauthorized" or self._caller(headers) is None:
            return google_error(401, "authError", "Request had invalid authentication credentials.", domain="global")
        if action == "forbidden":
            return google_error(403, "forbidden", "The comment could not be created due to insufficient permissions.")
        if action == "disabled":
            return google_error(403, "commentsDisabled", "The video has disabled comments.",
                                domain="youtube.commentThread")
        if action == "notfound":
            return google_error(404, "parentNotFound", "The specified parent comment could not be found.")
        return None

    def _token(self, body: bytes) -> Answer:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return Answer.json(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        with self.lock:
            self.refreshes += 1
            self.access_token = f"ya29.refreshed-{self.refreshes}"
        return Answer.json(200, {"access_token": self.access_token, "expires_in": 3599, "token_type": "Bearer"})

    def _insert(self, body: bytes, action: str, channel_id: str) -> Answer:
        try:
            snippet = json.loads(body)["snippet"]
        except (ValueError, KeyError, TypeError):
            return google_error(400, "processingFailure", "The API server failed to process the request.")
        if not snippet.get("parentId"):
            return google_error(400, "parentIdMissing", "The comment must be linked to a parent comment.")
        if snippet["parentId"] in self.deleted:
            return google_error(404, "parentNotFound", "The specified parent comment could not be found.")
        reply = self.add_reply(snippet["parentId"], snippet.get("textOriginal", ""), channel_id, "Mia Snaps")
        if action == "accept_then_hang":
            time.sleep(self.hang_seconds)
        if action == "malformed":
            return Answer(200, b'{"kind": "youtube#comment", "id": ', {"content-type": "application/json"})
        return Answer.json(200, self._comment_resource(reply))

    def _comment_resource(self, reply: Reply) -> dict:
        return {
            "kind": "youtube#comment",
            "etag": "etag-" + reply.id,
            "id": f"{reply.parent_id}.{reply.id}",
            "snippet": {
                "channelId": self.channel_id,
                "textDisplay": reply.text,
                "textOriginal": reply.text,
                "parentId": reply.parent_id,
                "authorDisplayName": reply.author_name,
                "authorChannelId": {"value": reply.author_id},
                "videoId": "vid1",
                "publishedAt": "2026-01-01T12:00:00Z",
            },
        }

    def _list_replies(self, query: dict) -> Answer:
        if "snippet" not in (query.get("part") or "").split(",") and "id" not in (query.get("part") or "").split(","):
            return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: part.",
                                domain="global")
        if bool(query.get("parentId")) == bool(query.get("id")):
            return google_error(400, "incompatibleParameters", "Exactly one of id or parentId must be given.",
                                domain="global")
        replies = self.replies_to(query.get("parentId", ""))
        start = int(query.get("pageToken") or 0)
        size = min(int(query.get("maxResults") or 20), self.page_size)
        page = replies[start:start + size]
        answer = {"kind": "youtube#commentListResponse", "items": [self._comment_resource(r) for r in page]}
        if start + size < len(replies):
            answer["nextPageToken"] = str(start + size)
        return Answer.json(200, answer)

    def _list_threads(self, query: dict) -> Answer:
        if query.get("allThreadsRelatedToChannelId") != self.channel_id:
            return google_error(404, "channelNotFound", "The channel could not be found.", domain="youtube.commentThread")
        with self.lock:
            threads = list(self.threads)
        start = int(query.get("pageToken") or 0)
        size = min(int(query.get("maxResults") or 20), self.page_size)
        page = threads[start:start + size]
        answer = {
            "kind": "youtube#commentThreadListResponse",
            "pageInfo": {"totalResults": len(page), "resultsPerPage": size},
            "items": [self._thread_resource(thread, "replies" in (query.get("part") or "").split(","))
                      for thread in page],
        }
        if start + size < len(threads):
            answer["nextPageToken"] = str(start + size)
        return Answer.json(200, answer)

    def _thread_resource(self, thread: Thread, with_replies: bool = False) -> dict:
        replies = self.replies_to(thread.id)
        resource = {
            "kind": "youtube#commentThread",
            "id": thread.id,
            "snippet": {
                "channelId": self.channel_id,
                "videoId": thread.video_id,
                "canReply": True,
                "totalReplyCount": len(replies),
                "isPublic": True,
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "id": thread.id,
                    "snippet": {
                        "channelId": self.channel_id,
                        "videoId": thread.video_id,
                        "textDisplay": thread.text,
                        "textOriginal": thread.text,
                        "authorDisplayName": thread.author_name,
                        "authorChannelId": {"value": thread.author_channel_id},
                        "publishedAt": thread.published_at,
                        "updatedAt": thread.published_at,
                    },
                },
            },
        }
        if with_replies and replies:
            resource["replies"] = {"comments": [self._comment_resource(r) for r in replies[: self.inline_replies]]}
        return resource


# -- helpers ---------------------------------------------------------------------------------------


def connect_channel(creator, platform: str, connector: str, base_url: str, external_id: str, **fields) -> Channel:
    """A channel as a creator would connect it, credentials encrypted."""
    credentials = fields.pop("credentials", {})
    channel = Channel(creator=creator, platform=platform, connector=connector, base_url=base_url,
                      external_id=external_id, **fields)
    channel.set_credentials(credentials)
    channel.save()
    return channel


def approve(creator, owner, external_id: str = "c1", **comment) -> Publication:
    """A comment drafted by the clone and approved by the owner: its publication."""
    draft = drafted(creator, external_id, **comment)
    return draft_approve(draft=draft, actor=Actor(role="owner", user=owner))


def send_now(publication: Publication) -> Publication:
    """Run one publish attempt now, whatever its backoff said."""
    Publication.objects.filter(id=publication.id).update(next_attempt_at=timezone.now())
    publication_send(publication_id=publication.id)
    publication.refresh_from_db()
    return publication
