"""Finding the creator's knowledge that answers a comment: meaning first, words second.

Each knowledge item carries a sentence embedding of what a fan would ask (the FAQ question, the
fan comment of a past exchange, the post's title and opening), computed when it is stored and
recomputed when the embedding model changes. A worker keeps, per creator, a matrix of those
vectors plus a BM25 index over stemmed words (bm25s, Snowball stems in each item's language),
rebuilt only when the creator's knowledge version moves; a comment then costs one embedding and
one matrix product, never a scan of the database.

The score is the cosine similarity plus a small lexical bonus: meaning decides, and a shared
rare word (a product or a city) breaks near ties.
"""

import threading
from dataclasses import dataclass

import bm25s
import numpy as np

from replyqueue.clone.embeddings import embed, from_bytes, get_embedder, to_bytes
from replyqueue.clone.language import detect_language, stems
from replyqueue.clone.models import KnowledgeItem, Persona

LEXICAL_WEIGHT = 0.1
EMBED_BATCH = 256
POST_OPENING_CHARS = 300


@dataclass
class Hit:
    item: KnowledgeItem
    score: float  # similarity plus the lexical bonus
    similarity: float  # cosine similarity of the comment and the item's question, -1..1
    lexical: float = 0.0  # BM25 score relative to the best one for this comment, 0..1


def search_text(kind: str, prompt: str, body: str) -> str:
    """What a fan's comment is compared with: the question side of the item."""
    return f"{prompt}. {body[:POST_OPENING_CHARS]}".strip(". ")


def embed_items(items: list[KnowledgeItem]) -> None:
    """Set `embedding`, `embedding_model` and `language` on items (not saved)."""
    embedder = get_embedder()
    for start in range(0, len(items), EMBED_BATCH):
        batch = items[start : start + EMBED_BATCH]
        vectors = embedder.embed([search_text(i.kind, i.prompt, i.body) for i in batch])
        for item, vector in zip(batch, vectors, strict=True):
            item.embedding = to_bytes(vector)
            item.embedding_model = embedder.name
            item.language = item.language or detect_language(item.body)


@dataclass
class _CreatorIndex:
    version: int
    model: str
    ids: np.ndarray
    vectors: np.ndarray
    lexical: bm25s.BM25 | None


class _Indexes:
    """Per-process cache of each creator's index, rebuilt when their knowledge changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_creator: dict[int, _CreatorIndex] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_creator.clear()

    def get(self, creator_id: int) -> _CreatorIndex:
        persona = Persona.objects.filter(creator_id=creator_id).only("knowledge_version").first()
        version = persona.knowledge_version if persona else 0
        model = get_embedder().name
        cached = self._by_creator.get(creator_id)
        if cached and cached.version == version and cached.model == model:
            return cached
        index = build_index(creator_id, version, model)
        with self._lock:
            self._by_creator[creator_id] = index
        return index


def _refresh_stale_vectors(creator_id: int, model: str) -> None:
    """Items stored before this model (or before embeddings) get their vectors now."""
    stale = list(KnowledgeItem.objects.filter(creator_id=creator_id).exclude(embedding_model=model)[:100_000])
    if stale:
        embed_items(stale)
        KnowledgeItem.objects.bulk_update(stale, ["embedding", "embedding_model", "language"], batch_size=1000)


def build_index(creator_id: int, version: int, model: str) -> _CreatorIndex:
    _refresh_stale_vectors(creator_id, model)
    rows = KnowledgeItem.objects.filter(creator_id=creator_id).order_by("id")
    ids, vectors, tokens = [], [], []
    for item_id, vector, kind, prompt, body, language in rows.values_list(
        "id", "embedding", "kind", "prompt", "body", "language"
    ).iterator(chunk_size=2000):
        ids.append(item_id)
        vectors.append(from_bytes(vector))
        tokens.append(stems(search_text(kind, prompt, body), language) or ["_"])
    lexical = None
    if tokens:
        lexical = bm25s.BM25()
        lexical.index(tokens, show_progress=False)
    matrix = np.vstack(vectors) if vectors else np.zeros((0, 1), np.float32)
    return _CreatorIndex(version, model, np.asarray(ids, dtype=np.int64), matrix, lexical)


indexes = _Indexes()


def search(*, creator_id: int, text: str, limit: int = 5) -> list[Hit]:
    """The creator's knowledge items closest in meaning to the comment, best first."""
    if not text.strip():
        return []
    index = indexes.get(creator_id)
    if not len(index.ids):
        return []
    similarity = index.vectors @ embed([text])[0]
    lexical = np.zeros_like(similarity)
    words = stems(text)
    if index.lexical is not None and words:
        raw = np.asarray(index.lexical.get_scores(words), dtype=np.float32)
        if raw.max() > 0:
            lexical = raw / raw.max()
    scores = similarity + LEXICAL_WEIGHT * lexical
    top = np.argsort(-scores)[:limit]
    items = KnowledgeItem.objects.in_bulk([int(index.ids[i]) for i in top])
    return [
        Hit(items[int(index.ids[i])], float(scores[i]), float(similarity[i]), float(lexical[i]))
        for i in top
        if int(index.ids[i]) in items
    ]
