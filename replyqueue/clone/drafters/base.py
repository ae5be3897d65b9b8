from dataclasses import dataclass, field
from typing import Protocol

from replyqueue.clone.models import Persona
from replyqueue.clone.retrieval import Hit
from replyqueue.core.explain import Reason

MAX_REPLY_CHARS = 5_000  # the longest reply any platform takes (YouTube: 10,000; Instagram: 2,200 bytes)


class DraftingError(Exception):
    """A drafter could not produce an answer (provider down, bad response). Retried, then routed to a human."""


@dataclass
class DraftContext:
    comment_text: str
    category: str
    language: str
    persona: Persona
    fan_name: str = ""
    fan_history: list[tuple[str, str]] = field(default_factory=list)  # (their comment, the creator's reply)
    post_title: str = ""
    hits: list[Hit] = field(default_factory=list)
    instruction: str = ""
    avoid_texts: list[str] = field(default_factory=list)  # rejected answers not to propose again


@dataclass
class Proposal:
    text: str = ""
    sources: list[int] = field(default_factory=list)
    confidence: float = 0.0
    abstain_reason: str = ""
    usage: dict = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return bool(self.abstain_reason)


class Drafter(Protocol):
    name: str

    def propose(self, context: DraftContext) -> Proposal: ...


NOTHING_ANSWERS = Reason("Nothing the creator has said answers this comment.")


def not_sure(confidence: float, threshold: float) -> Reason:
    """Why a drafter stays silent when the closest knowledge is too far from the comment."""
    if confidence <= 0:  # below the similarity floor: "matches at 0%" would read as a bug
        return NOTHING_ANSWERS
    return Reason(
        "Not sure: the closest thing the creator said matches this comment at %(percent)s (a draft needs %(needed)s).",
        percent=f"{confidence:.0%}", needed=f"{threshold:.0%}",
    )

