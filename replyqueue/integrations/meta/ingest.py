"""Meta webhooks: Instagram and Facebook page comments arrive here and are ingested.

GET is Meta's subscription handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`).
POST carries `{"object": "instagram"|"page", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}`
signed with the app secret in `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
The secret and the verify token are per channel (its encrypted credentials), found by the entry id,
which is the Instagram account or page id (`Channel.external_id`). Redelivery is harmless:
`comments_ingest` answers a known comment as a duplicate.
"""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from replyqueue.comments.models import Channel, Platform
from replyqueue.comments.serializers import CommentIn
from replyqueue.comments.services import comments_ingest
from replyqueue.core.api.parsers import JSONTooDeep, json_loads
from replyqueue.integrations.meta.comment_time import comment_times_track

log = logging.getLogger(__name__)
PLATFORM_OF_OBJECT = {"instagram": Platform.INSTAGRAM, "page": Platform.FACEBOOK}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _subscription_handshake(request)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature.startswith("sha256="):
        return JsonResponse({"error": "Missing X-Hub-Signature-256."}, status=401)
    try:
        payload = json_loads(request.body)
    except JSONTooDeep as error:
        return JsonResponse({"error": str(error)}, status=400)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    channels = [c for c in channels_for_payload(payload) if signature_valid(request.body, signature, c)]
    if not channels:
        return JsonResponse({"error": "Invalid signature."}, status=403)
    received = new = 0
    for channel in channels:
        items = comment_items(payload, channel)
        results = comments_ingest(creator=channel.creator, items=items, channel=channel) if items else []
        received += len(results)
        new += sum(not result.duplicate for result in results)
        timeless = delivery_timed_ids(payload, channel)
        _ask_graph_for_times([r.comment.id for r in results if not r.duplicate and r.comment.external_id in timeless])
    return JsonResponse({"received": received, "new": new})


def _ask_graph_for_times(comment_ids: list[int]) -> None:
    """Stored with the delivery time: a worker asks Graph for each comment's own (comment_time.py)."""
    if not comment_ids:
        return
    from replyqueue.integrations.meta.tasks import fetch_comment_times

    comment_times_track(comment_ids)

    def wake() -> None:
        try:
            fetch_comment_times.delay(comment_ids)
        except Exception:  # the broker is down: the beat task's sweep finds the rows
            log.exception("could not enqueue the time lookups of comments %s", comment_ids)

    transaction.on_commit(wake)


def _subscription_handshake(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("hub.verify_token", "")
    if request.GET.get("hub.mode") != "subscribe" or not token or not verify_token_known(token):
        return JsonResponse({"error": "Verification failed."}, status=403)
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


def _meta_channels():
    return Channel.objects.filter(platform__in=PLATFORM_OF_OBJECT.values(), enabled=True).select_related("creator")


def _credentials(channel: Channel) -> dict:
    try:
        return channel.credentials
    except ValueError:
        log.warning("credentials of channel %s cannot be decrypted", channel.id)
        return {}


def verify_token_known(token: str) -> bool:
    tokens = [str(_credentials(channel).get("verify_token") or "") for channel in _meta_channels()]
    return any(known and hmac.compare_digest(token.encode(), known.encode()) for known in tokens)


def channels_for_payload(payload) -> list[Channel]:
    if not isinstance(payload, dict) or payload.get("object") not in PLATFORM_OF_OBJECT:
        return []
    entries = payload.get("entry") if isinstance(payload.get("entry"), list) else []
    ids = {str(entry.get("id")) for entry in entries if isinstance(entry, dict)}
    return list(_meta_channels().filter(platform=PLATFORM_OF_OBJECT[payload["object"]], external_id__in=ids))


def signature_valid(body: bytes, signature: str, channel: Channel) -> bool:
    secret = _credentials(channel).get("app_secret")
    if not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def comment_items(payload: dict, channel: Channel) -> list[dict]:
    """The new comments in this delivery for this channel, validated like API input."""
    to_item = instagram_item if channel.platform == Platform.INSTAGRAM else facebook_item
    credentials = _credentials(channel)
    ours = {channel.external_id, *map(str, credentials.get("own_ids", []))}
    items = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or str(entry.get("id")) != channel.external_id:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or _is_ours(value, ours, credentials.get("username")):
                continue
            item = to_item(change.get("field"), value, entry.get("time"))
            if item is None:
                continue
            serializer = CommentIn(data=item)
            if serializer.is_valid():
                items.append(serializer.validated_data)
            else:
                log.warning("skipping a Meta comment that does not validate: %s", serializer.errors)
    return items


def delivery_timed_ids(payload: dict, channel: Channel) -> set[str]:
    """The Instagram comments in this delivery that carry no time of their own (Meta's documented
    `comments` value has none): stored with `entry.time`, to be corrected from Graph."""
    if channel.platform != Platform.INSTAGRAM:
        return set()
    ids = set()
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or str(entry.get("id")) != channel.external_id:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict) and value.get("id") and not _timestamp(value.get("timestamp")):
                ids.add(str(value["id"]))
    return ids


def _is_ours(value: dict, ours: set[str], username: str | None) -> bool:
    """Our own replies come back as comments too: never draft a reply to ourselves."""
    author = value.get("from") or {}
    return str(author.get("id")) in ours or bool(username and author.get("username") == username)


def instagram_item(field, value: dict, time) -> dict | None:
    if field != "comments" or not value.get("id"):
        return None
    author = value.get("from") or {}
    media = value.get("media") or {}
    return {
        "platform": Platform.INSTAGRAM,
        "external_id": str(value["id"]),
        "text": value.get("text") or "",
        "author": {"external_id": str(author.get("id") or "unknown"), "name": author.get("username") or ""},
        "post": {"external_id": str(media["id"])} if media.get("id") else None,
        "parent_external_id": str(value.get("parent_id") or ""),
        # The comment's own time when the delivery carries it (`timestamp`, as on the IG Comment
        # node: ISO 8601 like "2026-01-01T12:00:00+0000", or Unix seconds); Meta's documented
        # `comments` value has none, so else the time Meta sent the notification (`entry.time`), until
        # a worker reads the comment's `timestamp` from Graph (comment_time.py).
        "created_at": _timestamp(value.get("timestamp")) or _timestamp(time),
    }


def facebook_item(field, value: dict, time) -> dict | None:
    if field != "feed" or value.get("item") != "comment" or value.get("verb") != "add" or not value.get("comment_id"):
        return None
    author = value.get("from") or {}
    post_id = str(value.get("post_id") or "")
    parent_id = str(value.get("parent_id") or "")
    return {
        "platform": Platform.FACEBOOK,
        "external_id": str(value["comment_id"]),
        "text": value.get("message") or "",
        "author": {"external_id": str(author.get("id") or "unknown"), "name": author.get("name") or ""},
        "post": {"external_id": post_id} if post_id else None,
        # A top-level comment's parent is the post itself.
        "parent_external_id": parent_id if parent_id != post_id else "",
        "created_at": _timestamp(value.get("created_time") or time),
    }


def _timestamp(value) -> str | None:
    """Unix seconds (or milliseconds), a numeric string, or ISO 8601 with any offset, as UTC ISO 8601."""
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return _timestamp(int(text))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(UTC).isoformat() if parsed.tzinfo else parsed.replace(tzinfo=UTC).isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    seconds = value / 1000 if value > 100_000_000_000 else value  # Meta sends seconds, some fields ms
    return datetime.fromtimestamp(seconds, UTC).isoformat()
