"""YouTube has no comment webhooks: a periodic task polls each channel for new comment threads.

`commentThreads.list?part=snippet&allThreadsRelatedToChannelId=...&order=time` lists threads newest
first. The channel's `poll_cursor` remembers the newest thread already read, so paging stops as soon
as it reaches known comments; it moves only once a poll has read everything new, so a poll cut short
(quota, an error) is picked up again next time, and ingest de-duplicates what is read twice.
Threads are read with `part=snippet,replies`, which includes some of each thread's replies; a
thread whose `totalReplyCount` is larger than what was included has its replies listed with
`comments.list?parentId=<thread id>` (paged, 100 a page). Replies are stored with the thread's
top-level comment as their parent, so a reply to them goes into the same thread.
Each page of either list costs 1 quota unit of the project's day (publishing/quota.py); polling
stops YOUTUBE_REPLY_RESERVE units short of the daily quota so replies keep theirs, and on
`quotaExceeded` the project waits for the daily reset.
Replies added later to a thread already read are read too when the thread is on a page the poll
reads anyway (normally the first: the 100 newest threads): each thread's `totalReplyCount` is kept
(`YouTubeThread`), and a thread whose count grew has its replies read again (the included ones, or
comments.list when there are more), drawing from the same polling share; ingest skips those already
stored. Replies added to an older thread, beyond the pages read, are not.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from replyqueue.comments.models import Channel, Platform
from replyqueue.comments.serializers import CommentIn
from replyqueue.comments.services import comments_ingest
from replyqueue.integrations.models import YouTubeThread
from replyqueue.integrations.youtube.connector import api_url, authorized_call, error_reason
from replyqueue.integrations.youtube.quota import LIST_UNITS, POLL, quota_exhausted, quota_wait_until
from replyqueue.publishing.connectors.base import Outcome
from replyqueue.publishing.connectors.platform import Account, json_body

log = logging.getLogger(__name__)
PAGE_SIZE = 100


@dataclass
class PollResult:
    ingested: int = 0  # new comments stored
    pages: int = 0
    complete: bool = False  # read up to the cursor (or the end): the cursor moved
    replies: int = 0  # replies read (new or already stored)
    stopped: str = ""  # why a poll ended early


@dataclass(frozen=True)
class Position:
    """Where a thread sits in the newest-first list."""

    id: str
    published_at: datetime

    def to_cursor(self) -> str:
        return json.dumps({"id": self.id, "published_at": self.published_at.isoformat()})

    @classmethod
    def from_cursor(cls, cursor: str) -> "Position | None":
        try:
            data = json.loads(cursor)
            return cls(data["id"], datetime.fromisoformat(data["published_at"]))
        except (ValueError, KeyError, TypeError):
            return None


def youtube_channels_poll() -> dict[int, PollResult]:
    channels = Channel.objects.filter(platform=Platform.YOUTUBE, enabled=True).select_related("creator")
    return {channel.id: channel_poll(channel) for channel in channels}


def channel_claim_poll(channel: Channel) -> bool:
    """Only one poll of a channel at a time: whoever stamps polled_at first polls it."""
    previous = Q(polled_at__isnull=True) if channel.polled_at is None else Q(polled_at=channel.polled_at)
    now = timezone.now()
    if not Channel.objects.filter(previous, id=channel.id).update(polled_at=now):
        return False
    channel.polled_at = now
    return True


def channel_poll(channel: Channel) -> PollResult:
    result = PollResult()
    if until := quota_wait_until(channel, LIST_UNITS, POLL):
        result.stopped = f"quota spent until {until.isoformat()}"
        return result
    if not channel_claim_poll(channel):
        result.stopped = "another poll of this channel is running"
        return result
    try:
        account = Account(channel, channel.credentials)
    except ValueError as error:
        result.stopped = str(error)
        return result
    if not any(account.credentials.get(key) for key in ("access_token", "refresh_token", "api_key")):
        result.stopped = "the channel has no credentials to poll with"
        return result
    cursor = Position.from_cursor(channel.poll_cursor)
    newest: Position | None = None
    page_token = ""
    while True:
        body = _fetch_page(account, page_token, result)
        if body is None:
            break
        threads = [thread for thread in body["items"] if _position(thread)]
        newest = newest or (_position(threads[0]) if threads else None)
        fresh, reached_cursor = _unseen(threads, cursor)
        result.ingested += _ingest(channel, [thread_item(thread) for thread in fresh])
        # Threads already read that are on this page anyway: their replies again if there are more.
        grown = _grown(channel, threads[len(fresh):])
        if not _ingest_replies(account, fresh + grown, result):
            break
        page_token = body.get("nextPageToken") or ""
        if reached_cursor or not page_token or (cursor is None and result.pages >= settings.YOUTUBE_FIRST_POLL_PAGES):
            result.complete = True
            break
    if result.complete and newest:
        channel.poll_cursor = newest.to_cursor()
        channel.save(update_fields=["poll_cursor"])
    if result.stopped:
        log.warning("YouTube poll of channel %s stopped early: %s", channel.id, result.stopped)
    return result


def _fetch_page(account: Account, page_token: str, result: PollResult) -> dict | None:
    """One page of threads, or None (with result.stopped saying why)."""
    channel = account.channel
    params = {
        "part": "snippet,replies",
        "allThreadsRelatedToChannelId": channel.external_id,
        "order": "time",
        "maxResults": str(PAGE_SIZE),
        "textFormat": "plainText",
    }
    return _list(account, "commentThreads", params, page_token, result)


def _list(account: Account, resource: str, params: dict, page_token: str, result: PollResult) -> dict | None:
    """One page of a list call (1 unit, counted as polling), or None with result.stopped saying why."""
    channel = account.channel
    if until := quota_wait_until(channel, LIST_UNITS, POLL):
        result.stopped = f"quota spent until {until.isoformat()}"
        return None
    params = dict(params)
    if page_token:
        params["pageToken"] = page_token
    if not account.credentials.get("access_token") and account.credentials.get("api_key"):
        params["key"] = account.credentials["api_key"]
    response = authorized_call(account, "GET", api_url(account, resource), LIST_UNITS, POLL, params=params)
    if isinstance(response, Outcome):
        result.stopped = f"quota spent: {response.error}" if response.kind == "defer" else response.error
        return None
    if not response.is_success:
        reason, message = error_reason(response)
        if reason == "quotaExceeded":
            until = quota_exhausted(channel)
            result.stopped = f"quota exceeded; waiting until {until.isoformat()}"
        else:
            result.stopped = f"HTTP {response.status_code} {reason}: {message}"
        return None
    body = json_body(response)
    if body is None or not isinstance(body.get("items"), list):
        result.stopped = f"malformed {resource} answer"
        return None
    result.pages += 1
    return body


def _ingest_replies(account: Account, threads: list[dict], result: PollResult) -> bool:
    """Store the replies of these threads: those included in the thread, and when the thread has
    more (`totalReplyCount`), all of them through comments.list?parentId=. False when the poll
    had to stop (quota, an error): the cursor then stays, and the next poll reads them again."""
    for thread in threads:
        snippet = thread.get("snippet") or {}
        top_id = str(((snippet.get("topLevelComment") or {}).get("id")) or "")
        included = [c for c in ((thread.get("replies") or {}).get("comments") or []) if isinstance(c, dict)]
        total = snippet.get("totalReplyCount") or 0
        replies = included
        if isinstance(total, int) and total > len(included):
            replies, page_token = [], ""
            params = {"part": "snippet", "parentId": top_id, "maxResults": str(PAGE_SIZE), "textFormat": "plainText"}
            while True:
                body = _list(account, "comments", params, page_token, result)
                if body is None:
                    return False
                replies += [c for c in body["items"] if isinstance(c, dict)]
                page_token = body.get("nextPageToken") or ""
                if not page_token:
                    break
        items = [reply_item(reply, top_id, snippet.get("videoId")) for reply in replies if reply.get("id")]
        result.ingested += _ingest(account.channel, items)
        result.replies += len(items)
        if top_id and isinstance(total, int):
            _remember_replies(account.channel, top_id, total)
    return True


def _reply_count(thread: dict) -> int:
    total = (thread.get("snippet") or {}).get("totalReplyCount")
    return total if isinstance(total, int) else 0


def _grown(channel: Channel, threads: list[dict]) -> list[dict]:
    """Of these threads (read by an earlier poll), those with more replies than when they were read."""
    ids = [position.id for thread in threads if (position := _position(thread))]
    known = dict(YouTubeThread.objects.filter(channel=channel, thread_id__in=ids).values_list("thread_id", "reply_count"))
    return [thread for thread in threads if _reply_count(thread) > known.get(_position(thread).id, 0)]


def _remember_replies(channel: Channel, thread_id: str, count: int) -> None:
    YouTubeThread.objects.bulk_create(
        [YouTubeThread(channel=channel, thread_id=thread_id, reply_count=count)],
        update_conflicts=True, unique_fields=["channel", "thread_id"], update_fields=["reply_count", "updated_at"],
    )


def _position(thread) -> Position | None:
    if not isinstance(thread, dict):
        return None
    top = (thread.get("snippet") or {}).get("topLevelComment") or {}
    published = parse_datetime(str((top.get("snippet") or {}).get("publishedAt") or ""))
    if not top.get("id") or published is None:
        return None
    return Position(str(top["id"]), published)


def _unseen(threads: list[dict], cursor: Position | None) -> tuple[list[dict], bool]:
    """The threads newer than the cursor, and whether the cursor was reached on this page."""
    for index, thread in enumerate(threads):
        position = _position(thread)
        if cursor and (position.id == cursor.id or position.published_at < cursor.published_at):
            return threads[:index], True
    return threads, False


def thread_item(thread: dict) -> dict:
    snippet = thread["snippet"]
    top = snippet["topLevelComment"]
    comment = top.get("snippet") or {}
    video_id = snippet.get("videoId") or comment.get("videoId")
    return {
        "platform": Platform.YOUTUBE,
        "external_id": str(top["id"]),
        "text": comment.get("textOriginal") or comment.get("textDisplay") or "",
        "author": {
            "external_id": str((comment.get("authorChannelId") or {}).get("value") or "unknown"),
            "name": comment.get("authorDisplayName") or "",
        },
        "post": {"external_id": video_id, "url": f"https://www.youtube.com/watch?v={video_id}"} if video_id else None,
        "created_at": comment.get("publishedAt"),
    }


def reply_item(reply: dict, parent_id: str, video_id: str | None) -> dict:
    """A reply (a comment resource) in a thread: its parent is the thread's top-level comment."""
    comment = reply.get("snippet") or {}
    video_id = comment.get("videoId") or video_id
    return {
        "platform": Platform.YOUTUBE,
        "external_id": str(reply["id"]),
        "text": comment.get("textOriginal") or comment.get("textDisplay") or "",
        "author": {
            "external_id": str((comment.get("authorChannelId") or {}).get("value") or "unknown"),
            "name": comment.get("authorDisplayName") or "",
        },
        "post": {"external_id": video_id, "url": f"https://www.youtube.com/watch?v={video_id}"} if video_id else None,
        "parent_external_id": str(comment.get("parentId") or parent_id),
        "created_at": comment.get("publishedAt"),
    }


def _ingest(channel: Channel, candidates: list[dict]) -> int:
    items = []
    for item in candidates:
        if item["author"]["external_id"] == channel.external_id:
            continue  # the creator's own comment
        serializer = CommentIn(data=item)
        if serializer.is_valid():
            items.append(serializer.validated_data)
        else:
            log.warning("skipping a YouTube comment that does not validate: %s", serializer.errors)
    if not items:
        return 0
    results = comments_ingest(creator=channel.creator, items=items, channel=channel)
    return sum(not result.duplicate for result in results)
