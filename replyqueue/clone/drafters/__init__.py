"""Drafters turn a comment plus retrieved knowledge into a proposed reply, or abstain."""

from django.conf import settings

from replyqueue.clone.drafters.base import DraftContext, Drafter, DraftingError, Proposal
from replyqueue.clone.drafters.grounded import GroundedDrafter
from replyqueue.clone.drafters.openai import OpenAIDrafter

DRAFTERS: dict[str, type] = {"grounded": GroundedDrafter, "openai": OpenAIDrafter}


def get_drafter(name: str | None = None) -> Drafter:
    name = name or settings.DRAFTER
    if name not in DRAFTERS:
        raise ValueError(f"Unknown DRAFTER {name!r}: use 'grounded' or 'openai'.")
    return DRAFTERS[name]()


__all__ = ["DraftContext", "Drafter", "DraftingError", "Proposal", "get_drafter"]
