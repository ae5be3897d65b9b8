"""Writing knowledge: items plus their inverted-index terms, idempotent on content."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F

from accounts.models import Creator
from replyqueue.clone.models import KnowledgeItem, KnowledgeKind, KnowledgeTerm, Persona
from replyqueue.clone.text import index_terms

MAX_TERMS_PER_ITEM = 60


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


def term_rows(item: KnowledgeItem) -> list[tuple[str, bool]]:
    """(term, in_prompt) for each index term of an item: every prompt term, then body terms up to
    MAX_TERMS_PER_ITEM in all."""
    prompt_terms = set(index_terms(item.prompt))
    rows = [(t, True) for t in prompt_terms]
    for term in dict.fromkeys(index_terms(item.body)):
        if len(rows) >= MAX_TERMS_PER_ITEM:
            break
        if term not in prompt_terms:
            rows.append((term, False))
    return rows


def terms_for(item: KnowledgeItem) -> list[KnowledgeTerm]:
    return [KnowledgeTerm(creator_id=item.creator_id, item=item, term=t, in_prompt=p) for t, p in term_rows(item)]


def _insert_terms(items: list[KnowledgeItem]) -> None:
    """Write the index rows of new items as plain tuples: an import makes millions of them, and
    building a model instance for each was most of its time. PostgreSQL takes them through COPY."""
    rows = [(item.creator_id, item.id, term, in_prompt) for item in items for term, in_prompt in term_rows(item)]
    if not rows:
        return
    table = connection.ops.quote_name(KnowledgeTerm._meta.db_table)
    columns = "creator_id, item_id, term, in_prompt"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for start in range(0, len(rows), 5000):
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)", rows[start : start + 5000])


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
    KnowledgeItem.objects.bulk_create(new, batch_size=1000)
    _insert_terms(new)
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
