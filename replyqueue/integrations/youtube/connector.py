"""Replies through the YouTube Data API v3.

`comments.insert`: `POST /youtube/v3/comments?part=snippet` with
`{"snippet": {"parentId": <top-level comment id>, "textOriginal": text}}` answers the new comment
resource; `comments.list?parentId=...` lists a thread's replies. Errors come as
`{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}`.
OAuth access tokens last an hour: with a refresh token in the credentials, a 401 refreshes once.
"""

import logging

from django.conf import settings
from django.utils import timezone

from replyqueue.comments.models import Platform
from replyqueue.integrations.youtube.quota import (
    INSERT_UNITS,
    LIST_UNITS,
    REPLY,
    quota_exhausted,
    quota_take,
    quota_wait_until,
)
from replyqueue.publishing.connectors.base import Outcome, parse_retry_after, reply_target, same_text
from replyqueue.publishing.connectors.platform import MAX_LOOKUP_PAGES, Account, account_for, call, json_body

log = logging.getLogger(__name__)
PLATFORMS = (Platform.YOUTUBE,)
RATE_LIMITED = {"rateLimitExceeded", "userRateLimitExceeded"}
TRANSIENT = {"backendError", "internalError", "serviceUnavailable"}


def api_url(account: Account, resource: str) -> str:
    return f"{account.base_url or settings.YOUTUBE_API_URL}/youtube/v3/{resource}"


def error_reason(response) -> tuple[str, str]:
    """The first `errors[].reason` (or the status) and the message of a Google API error."""
    error = (json_body(response) or {}).get("error")
    if not isinstance(error, dict):
        return "", response.text[:200]
    details = [item for item in error.get("errors") or [] if isinstance(item, dict)]
    reason = details[0].get("reason", "") if details else error.get("status", "")
    return reason or "", str(error.get("message", ""))[:200]


def error_outcome(response, account: Account) -> Outcome:
    reason, message = error_reason(response)
    status = response.status_code
    described = f"YouTube HTTP {status}{f' {reason}' if reason else ''}: {message}"
    if reason == "quotaExceeded":
        until = quota_exhausted(account.channel)
        return Outcome.defer(f"YouTube quota exhausted until {until:%Y-%m-%d %H:%M %Z}. {described}", _seconds(until))
    if reason in RATE_LIMITED or status == 429:
        return Outcome.retry(described, parse_retry_after(response.headers.get("retry-after")))
    if status >= 500 or reason in TRANSIENT:
        return Outcome.retry(described, parse_retry_after(response.headers.get("retry-after")))
    if status == 401:
        return Outcome.permanent(f"YouTube refused the channel's credentials: reconnect the channel. {described}")
    if reason == "commentsDisabled":
        return Outcome.permanent(f"Comments are disabled on this video. {described}")
    if status == 403:
        return Outcome.permanent(f"YouTube does not allow this account to reply here. {described}")
    if status == 404:
        return Outcome.permanent(f"The comment no longer exists on YouTube (deleted or hidden). {described}")
    return Outcome.permanent(f"YouTube refused the reply. {described}")


def _seconds(until) -> float:
    return max((until - timezone.now()).total_seconds(), 1.0)


def refresh_access_token(account: Account) -> bool:
    """Trade the refresh token for a new access token and store it on the channel."""
    credentials = account.credentials
    if not credentials.get("refresh_token"):
        return False
    response = call(
        "POST",
        credentials.get("token_uri") or settings.YOUTUBE_TOKEN_URL,
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials["refresh_token"],
            "client_id": credentials.get("client_id", ""),
            "client_secret": credentials.get("client_secret", ""),
        },
    )
    token = (json_body(response) or {}).get("access_token") if not isinstance(response, Outcome) else None
    if not token:
        log.warning("could not refresh the YouTube token of channel %s", account.channel.id)
        return False
    credentials["access_token"] = token
    account.channel.set_credentials(credentials)
    account.channel.save(update_fields=["credentials_encrypted"])
    return True


def auth_headers(account: Account) -> dict:
    token = account.credentials.get("access_token")
    return {"authorization": f"Bearer {token}"} if token else {}


def authorized_call(account: Account, method: str, url: str, units: int, purpose: str = REPLY, **kwargs):
    """A counted API call with the bearer token; a 401 refreshes the token and tries once more
    (a 401 means the request was refused, so repeating it cannot publish twice). The units are
    taken from the project's quota first; when they cannot be, nothing is called (a defer)."""
    for attempt in range(2):
        if until := quota_take(account.channel, units, purpose):
            return Outcome.defer(f"YouTube quota of this project is spent until {until:%Y-%m-%d %H:%M %Z}.", _seconds(until))
        response = call(method, url, headers=auth_headers(account), **kwargs)
        if isinstance(response, Outcome) or response.status_code != 401 or attempt:
            return response
        if not refresh_access_token(account):
            return response
    return response


def quota_deferral(account: Account, units: int) -> Outcome | None:
    if until := quota_wait_until(account.channel, units):
        return Outcome.defer(f"YouTube quota of this project is spent until {until:%Y-%m-%d %H:%M %Z}.", _seconds(until))
    return None


class YouTubeConnector:
    name = "youtube"

    def send(self, publication) -> Outcome:
        account, refusal = account_for(publication, self.name, PLATFORMS)
        if refusal:
            return refusal
        if not account.credentials.get("access_token") and not account.credentials.get("refresh_token"):
            return Outcome.permanent("The channel has no OAuth token: connect it again.")
        if deferral := quota_deferral(account, INSERT_UNITS):
            return deferral
        body = {"snippet": {"parentId": reply_target(publication.comment), "textOriginal": publication.text}}
        response = authorized_call(
            account, "POST", api_url(account, "comments"), INSERT_UNITS, params={"part": "snippet"}, json=body
        )
        if isinstance(response, Outcome):
            return response
        if not response.is_success:
            return error_outcome(response, account)
        reply_id = (json_body(response) or {}).get("id")
        if not reply_id:
            return Outcome.unknown(f"YouTube answered {response.status_code} without a comment id.")
        return Outcome.sent(str(reply_id))

    def reconcile(self, publication) -> Outcome | None:
        """Look for our reply in the thread (comments.list?parentId=...) before sending it again."""
        account, refusal = account_for(publication, self.name, PLATFORMS)
        if refusal:
            return refusal
        params = {
            "part": "snippet",
            "parentId": reply_target(publication.comment),
            "maxResults": "100",
            "textFormat": "plainText",
        }
        for _ in range(MAX_LOOKUP_PAGES):
            if deferral := quota_deferral(account, LIST_UNITS):
                return deferral
            response = authorized_call(account, "GET", api_url(account, "comments"), LIST_UNITS, params=params)
            if isinstance(response, Outcome):
                return Outcome.unknown(f"Could not check for an earlier reply: {response.error}")
            if not response.is_success:
                outcome = error_outcome(response, account)
                if outcome.kind == "retry":
                    return Outcome.retry(f"Could not check for an earlier reply: {outcome.error}", outcome.retry_after)
                return outcome
            body = json_body(response)
            if body is None or not isinstance(body.get("items"), list):
                return Outcome.unknown("Could not check for an earlier reply: malformed YouTube answer.")
            for item in body["items"]:
                if found := _our_reply(item, account, publication.text):
                    return Outcome.sent(found)
            if not body.get("nextPageToken"):
                return None  # every reply was read: ours is not there, sending is safe
            params["pageToken"] = body["nextPageToken"]
        return Outcome.unknown(f"Could not check every reply ({MAX_LOOKUP_PAGES} pages): not sending again.")


def _our_reply(item: dict, account: Account, text: str) -> str:
    snippet = item.get("snippet") or {}
    author = (snippet.get("authorChannelId") or {}).get("value")
    posted = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
    if author == account.channel.external_id and same_text(posted, text):
        return str(item.get("id", ""))
    return ""
