"""Where an approved reply goes, and how it is labelled.

A connected platform channel (meta, youtube) for the comment's platform wins; else the creator's
signed webhook; else the pull API. A channel's disclosure label overrides the persona's.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

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


def route_for(comment: Comment, creator: Creator, channels: list[Channel] | None = None) -> Route:
    """`channels`: the comment's channels when the caller already has them (bulk approval)."""
    channels = comment_channels(comment) if channels is None else channels
    publishing = next((channel for channel in channels if channel.connector in PLATFORM_CONNECTORS), None)
    label_channel = publishing or (channels[0] if channels else None)
    if publishing:
        return Route(publishing.connector, publishing, label_channel)
    if creator.webhook_url:
        return Route(WEBHOOK, None, label_channel)
    return Route(PULL, None, label_channel)


# The persona's default label, in the languages replies are written in. A label the creator typed
# (on the persona or on a channel) is theirs and is used as is.
DEFAULT_LABEL = "(AI-assisted reply)"
DEFAULT_LABELS = {
    "en": DEFAULT_LABEL,
    "fr": "(réponse assistée par IA)",
    "es": "(respuesta asistida por IA)",
    "de": "(KI-gestützte Antwort)",
    "it": "(risposta assistita dall'IA)",
    "pt": "(resposta assistida por IA)",
    "nl": "(antwoord met hulp van AI)",
}
# Below this word-level similarity to what the clone drafted, an approved text is the reviewer's own.
REWRITTEN_BELOW = 0.2


def _persona(creator: Creator) -> Persona | None:
    try:
        return creator.persona  # loaded with the draft on the bulk path
    except Persona.DoesNotExist:
        return None


def reply_language(comment: Comment, creator: Creator) -> str:
    """The reply's language: the comment's (replies answer in the fan's language), else the persona's first."""
    language = (comment.language or "").strip().lower()
    if not language and (persona := _persona(creator)) and persona.languages:
        language = str(persona.languages[0]).lower()
    return (language or "en").split("-")[0].split("_")[0]


def disclosure_label(creator: Creator, channel: Channel | None, language: str = "en") -> str:
    """Per creator and platform: the channel's override, else the persona's label; the default
    label is given in the reply's language."""
    if channel is not None and channel.disclosure_label:
        return channel.disclosure_label
    persona = _persona(creator)
    if persona is None:
        return ""
    if persona.disclosure_label == DEFAULT_LABEL:
        return DEFAULT_LABELS.get(language, DEFAULT_LABEL)
    return persona.disclosure_label


def ai_assisted(draft) -> bool:
    """A reply the creator typed (their answer to "ask the creator") or an approval whose text was
    rewritten from scratch is a person's reply, not an AI-assisted one."""
    if draft.drafter == "creator":
        return False
    drafted, final = draft.drafted_text.lower().split(), draft.text.lower().split()
    if not drafted or drafted == final:
        return True
    return SequenceMatcher(None, drafted, final, autojunk=False).ratio() >= REWRITTEN_BELOW


def published_text(text: str, label: str) -> str:
    """The reply as the fan will see it: labelled as AI-assisted, as the creator configured."""
    return f"{text}\n\n{label}" if label else text
