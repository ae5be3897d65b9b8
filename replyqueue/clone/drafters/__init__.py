"""Drafters turn a comment plus retrieved knowledge into a proposed reply, or abstain."""

from django.conf import settings

from replyqueue.clone.drafters.base import DraftContext, Drafter, DraftingError, Proposal


def get_drafter(name: str | None = None) -> Drafter:
    name = name or settings.DRAFTER
    if name == "grounded":
        from replyqueue.clone.drafters.grounded import GroundedDrafter

        return GroundedDrafter()
    if name == "openai":
        from replyqueue.clone.drafters.openai import OpenAIDrafter

        return OpenAIDrafter()
    raise ValueError(f"Unknown DRAFTER {name!r}: use 'grounded' or 'openai'.")


__all__ = ["DraftContext", "Drafter", "DraftingError", "Proposal", "get_drafter"]
