"""Reads for the clone's settings pages."""

from dataclasses import dataclass

from django.db.models import Q

from replyqueue.clone.models import KnowledgeItem

KNOWLEDGE_PAGE_SIZE = 25


@dataclass
class KnowledgePage:
    items: list[KnowledgeItem]
    next_before: int | None  # pass as ?before= for the next (older) page; None on the last page


def knowledge_page(creator_id: int, *, query: str = "", before: int | None = None, size: int = KNOWLEDGE_PAGE_SIZE) -> KnowledgePage:
    """The creator's knowledge, newest first, one keyset page at a time (`before` an id): no
    OFFSET, so page 400 costs what page 1 does."""
    rows = KnowledgeItem.objects.filter(creator_id=creator_id).order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    if query:
        rows = rows.filter(Q(prompt__icontains=query) | Q(body__icontains=query))
    items = list(rows[: size + 1])
    more = len(items) > size
    items = items[:size]
    return KnowledgePage(items=items, next_before=items[-1].id if more else None)
