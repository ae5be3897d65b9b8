"""Writing knowledge: items with their embeddings, idempotent on content."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from accounts.models import Creator
from replyqueue.clone.models import KnowledgeItem, KnowledgeKind, Persona
from replyqueue.clone.retrieval import embed_items


@dataclass(frozen=True)
class KnowledgeInput:
    kind: str
    prompt: str
    body: str


def knowledge_input_from_api(data: dict) -> KnowledgeInput:
    """Map the API's per-kind fields onto prompt/body."""
    kind = data["kind"]
    if kind == KnowledgeKind.FAQ:
        return KnowledgeInput(kind, data["question"], data["answer"])
    if kind == KnowledgeKind.REPLY:
        return KnowledgeInput(kind, data["comment"], data["reply"])
    return KnowledgeInput(kind, data.get("title", ""), data["text"])


def content_hash(item: KnowledgeInput) -> str:
    raw = "\x1f".join((item.kind, item.prompt.strip(), item.body.strip()))
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def knowledge_add_counted(
    *, creator: Creator, items: Iterable[KnowledgeInput], origin: str = "api"
) -> tuple[list[KnowledgeItem], int]:
    """`knowledge_add`, also saying how many of the items were new."""
    wanted = {content_hash(i): i for i in items}
    existing = {
        k.content_hash: k for k in KnowledgeItem.objects.filter(creator=creator, content_hash__in=wanted.keys())
    }
    new = [
        KnowledgeItem(
            creator=creator, kind=i.kind, prompt=i.prompt.strip(), body=i.body.strip(), origin=origin, content_hash=h
        )
        for h, i in wanted.items()
        if h not in existing
    ]
    embed_items(new)
    KnowledgeItem.objects.bulk_create(new, batch_size=1000)
    if new:
        Persona.objects.filter(creator=creator).update(knowledge_version=F("knowledge_version") + 1)
    stored = existing | {k.content_hash: k for k in new}
    return [stored[h] for h in wanted], len(new)


def knowledge_add(*, creator: Creator, items: Iterable[KnowledgeInput], origin: str = "api") -> list[KnowledgeItem]:
    """Store items (an item already stored comes back as it is) and index the new ones."""
    return knowledge_add_counted(creator=creator, items=items, origin=origin)[0]


@transaction.atomic
def knowledge_delete(*, creator: Creator, item_id: int) -> bool:
    deleted, _ = KnowledgeItem.objects.filter(creator=creator, id=item_id).delete()
    if deleted:
        Persona.objects.filter(creator=creator).update(knowledge_version=F("knowledge_version") + 1)
    return bool(deleted)
