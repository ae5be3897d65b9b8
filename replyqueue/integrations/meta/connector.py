"""Replies through the Meta Graph API.

Instagram: `POST /{ig-comment-id}/replies` with `message`; Facebook pages: `POST /{comment-id}/comments`
with `message`. Both answer `{"id": ...}`, and both list what was replied with a GET on the same edge.
Errors come as `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.
"""

import hashlib
import hmac

from django.conf import settings

from replyqueue.comments.models import Platform
from replyqueue.integrations.meta.throttle import THROTTLED, deferral, note_usage, throttled_outcome
from replyqueue.integrations.meta.tokens import token_invalid
from replyqueue.publishing.connectors.base import Outcome, parse_retry_after, reply_target, same_text
from replyqueue.publishing.connectors.platform import MAX_LOOKUP_PAGES, Account, account_for, call, json_body

PLATFORMS = (Platform.INSTAGRAM, Platform.FACEBOOK)
TRANSIENT = {1, 2}
# 341: "application limit reached" on feed actions; 368: temporarily blocked for policy reasons.
# Both lift by themselves: retried with backoff, never at once.
TEMPORARY = {341, 368}
TEMPORARY_MIN_SECONDS = 60.0
INVALID_TOKEN = {102, 190}
OBJECT_MISSING_SUBCODE = 33


def edge_url(account: Account, comment_id: str) -> str:
    base = account.base_url or settings.META_GRAPH_URL
    version = account.credentials.get("graph_version") or settings.META_GRAPH_VERSION
    edge = "replies" if account.channel.platform == Platform.INSTAGRAM else "comments"
    return f"{base}/{version}/{comment_id}/{edge}"


def auth(account: Account) -> tuple[dict, dict]:
    """Headers and parameters that authenticate a call: the token, plus appsecret_proof when the
    app secret is known (apps that "require app secret" refuse calls without it)."""
    token = account.credentials.get("access_token", "")
    params = {}
    if secret := account.credentials.get("app_secret"):
        params["appsecret_proof"] = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    return {"authorization": f"Bearer {token}"}, params


def graph_error_outcome(response, channel) -> Outcome:
    """Map a Graph API error answer to what the publisher should do next."""
    error = (json_body(response) or {}).get("error")
    if not isinstance(error, dict):
        if response.status_code >= 500 or response.status_code == 429:
            return Outcome.retry(f"Graph API HTTP {response.status_code}", parse_retry_after(response.headers.get("retry-after")))
        return Outcome.permanent(f"Graph API HTTP {response.status_code}: {response.text[:200]}")
    code, subcode = error.get("code"), error.get("error_subcode")
    described = f"Graph API error {code}{f'/{subcode}' if subcode else ''}: {error.get('message', '')[:200]}"
    if code in THROTTLED:
        return throttled_outcome(channel, response.headers, described)
    if code in TEMPORARY:
        return Outcome.retry(f"Temporarily refused by Meta. {described}", TEMPORARY_MIN_SECONDS)
    if code in INVALID_TOKEN:
        token_invalid(channel)  # every page now asks the owner to reconnect the channel
        return Outcome.permanent(f"The channel's access token is invalid or expired: reconnect it. {described}")
    if code == 100 and subcode == OBJECT_MISSING_SUBCODE:
        return Outcome.permanent(f"The comment was deleted (or is no longer visible to this account). {described}")
    if code in TRANSIENT or error.get("is_transient") or response.status_code >= 500:
        return Outcome.retry(described, parse_retry_after(response.headers.get("retry-after")))
    if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
        return Outcome.permanent(f"The channel lacks a permission to reply. {described}")
    return Outcome.permanent(described)


def lookup_fields(platform: str) -> dict:
    """What a reconcile lookup asks for. Each node type has its own fields, and Graph refuses a
    field the node lacks (error 100, "Tried accessing nonexisting field"): an IG Comment has
    `text`, `username` and `from{id,username}`; a Facebook Comment has `message` and
    `from{id,name}`, and only `filter=stream` lists every reply whatever Facebook's default
    filtering hides."""
    if platform == Platform.INSTAGRAM:
        return {"fields": "id,text,username,from{id,username}"}
    return {"fields": "id,message,from{id,name}", "filter": "stream"}


def is_ours(reply: dict, account: Account) -> bool:
    author = reply.get("from") or {}
    if author.get("id") == account.channel.external_id:
        return True
    username = account.credentials.get("username")
    return bool(username) and (reply.get("username") == username or author.get("username") == username)


class MetaConnector:
    name = "meta"

    def send(self, publication) -> Outcome:
        account, refusal = account_for(publication, self.name, PLATFORMS)
        if refusal:
            return refusal
        if not account.credentials.get("access_token"):
            return Outcome.permanent("The channel has no access token: connect it again.")
        if held := deferral(account.channel):
            return held
        headers, params = auth(account)
        url = edge_url(account, reply_target(publication.comment))
        response = call("POST", url, headers=headers, data={"message": publication.text, **params})
        if isinstance(response, Outcome):
            return response
        if not response.is_success:
            return graph_error_outcome(response, account.channel)
        note_usage(account.channel, response.headers)
        reply_id = (json_body(response) or {}).get("id")
        if not reply_id:
            # Accepted, but we cannot tell what was created: reconcile before anything else.
            return Outcome.unknown(f"Graph API answered {response.status_code} without a reply id.")
        return Outcome.sent(str(reply_id))

    def reconcile(self, publication) -> Outcome | None:
        """Look for our reply among the comment's replies before sending it again."""
        account, refusal = account_for(publication, self.name, PLATFORMS)
        if refusal:
            return refusal
        if held := deferral(account.channel):
            return held
        headers, params = auth(account)
        url = edge_url(account, reply_target(publication.comment))
        text_field = "text" if account.channel.platform == Platform.INSTAGRAM else "message"
        params |= {**lookup_fields(account.channel.platform), "limit": "100"}
        for _ in range(MAX_LOOKUP_PAGES):
            response = call("GET", url, headers=headers, params=params)
            if isinstance(response, Outcome):
                return Outcome.unknown(f"Could not check for an earlier reply: {response.error}")
            if not response.is_success:
                outcome = graph_error_outcome(response, account.channel)
                return outcome if outcome.kind != "retry" else Outcome.retry(
                    f"Could not check for an earlier reply: {outcome.error}", outcome.retry_after
                )
            note_usage(account.channel, response.headers)
            body = json_body(response)
            if body is None or not isinstance(body.get("data"), list):
                return Outcome.unknown("Could not check for an earlier reply: malformed Graph API answer.")
            for reply in body["data"]:
                if is_ours(reply, account) and same_text(str(reply.get(text_field, "")), publication.text):
                    return Outcome.sent(str(reply.get("id", "")))
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (body.get("paging") or {}).get("next"):
                return None  # every reply was read: ours is not there, sending is safe
            params["after"] = after
        return Outcome.unknown(f"Could not check every reply ({MAX_LOOKUP_PAGES} pages): not sending again.")
