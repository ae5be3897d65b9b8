"""Where an approved reply goes, and how it is labelled.

A connected platform channel (meta, youtube) for the comment's platform wins; else the creator's
signed webhook; else the pull API. A channel's disclosure label overrides the persona's.
"""

from dataclasses import dataclass

from accounts.models import Creator
from replyqueue.clone.models import Persona
from replyqueue.comments.models import Channel, Comment
from replyqueue.publishing.connectors import PLATFORM_CONNECTORS

PULL = "pull"
WEBHOOK = "webhook"


@dataclass(frozen=True)
class Route:
    connector: str
    channel: Channel | None  # the platform account replies go out through (meta/youtube only)
    label_channel: Channel | None  # the channel whose disclosure label applies, if any


def comment_channels(comment: Comment) -> list[Channel]:
    """The channels that may carry the reply: the comment's own channel when it came through one
    (another account cannot answer on its behalf), else the creator's channels on that platform."""
    if comment.channel_id:
        channel = comment.channel
        return [channel] if channel.enabled else []
    return list(
        Channel.objects.filter(creator_id=comment.creator_id, platform=comment.platform, enabled=True).order_by("id")
    )


def route_for(comment: Comment, creator: Creator) -> Route:
    channels = comment_channels(comment)
    publishing = next((channel for channel in channels if channel.connector in PLATFORM_CONNECTORS), None)
    label_channel = publishing or (channels[0] if channels else None)
    if publishing:
        return Route(publishing.connector, publishing, label_channel)
    if creator.webhook_url:
        return Route(WEBHOOK, None, label_channel)
    return Route(PULL, None, label_channel)


def disclosure_label(creator: Creator, channel: Channel | None) -> str:
    if channel is not None and channel.disclosure_label:
        return channel.disclosure_label
    try:
        return creator.persona.disclosure_label  # loaded with the draft on the bulk path
    except Persona.DoesNotExist:
        return ""


def published_text(text: str, label: str) -> str:
    """The reply as the fan will see it: labelled as AI-assisted, as the creator configured."""
    return f"{text}\n\n{label}" if label else text
