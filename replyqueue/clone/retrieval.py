"""Finding the creator's knowledge that answers a comment: meaning first, words second.

Each knowledge item carries a sentence embedding of what a fan would ask (the FAQ question, the
fan comment of a past exchange, the post's title and opening), computed when it is stored and
recomputed when the embedding model changes. A worker keeps, per creator, a matrix of those
vectors plus a BM25 index over stemmed words (bm25s, Snowball stems in each item's language),
rebuilt only when the creator's knowledge version moves; a comment then costs one embedding and
one matrix product, never a scan of the database.

The score is the cosine similarity plus a small lexical bonus: meaning decides, and a shared
rare word (a product or a city) breaks near ties. Items that give the same answer (an FAQ and the
past replies that repeat its answer, the approvals that taught it) are one piece of knowledge asked
in several ways: an item of such a group is scored by the comment's similarity to the group's
centroid, the mean of the ways fans asked, when that is closer than its own wording.
"""

import ctypes
import gc
import hashlib
import threading
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import itemgetter

import bm25s
import numpy as np

from replyqueue.clone.embeddings import embed, get_embedder, to_bytes
from replyqueue.clone.language import detect_language, stems
from replyqueue.clone.models import KnowledgeItem, KnowledgeKind, Persona
from replyqueue.clone.text import words

LEXICAL_WEIGHT = 0.1
EXACT_UP_TO = 20_000  # items ranked exactly on every comment; larger indexes get a coarse pass first
COARSE_DIMENSIONS = 64
COARSE_CANDIDATES = 400
COARSE_PROBES = 24  # clusters (of about sqrt(n)) whose members the coarse pass ranks
LEXICAL_CANDIDATES = 50
# In a large index a word found in more than this share of the items adds little (an IDF of at
# most 2.3, against 11.5 for a word in one item of 100,000) and costs the most: it is left out.
COMMON_WORD_SHARE = 0.1
RARE_WORD_SHARE = 0.01  # the best lexical matches of a large index are among items sharing such a word
# New knowledge goes to a small segment ranked exactly instead of a rebuild of the index; past this
# many new items a rebuild is cheaper to search.
ADDED_UP_TO = 2_000
RANKED_TOGETHER = 8  # comments whose candidates are ranked in one pass
EMBED_BATCH = 256
RERANKED = 32  # best items per comment whose answer groups are compared
LARGE_ANSWER_GROUP = 64  # items from which an answer group's vector sum is kept once computed
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


def answer_key(kind: str, body: str) -> int:
    """Items with the same answer (the same words, whatever the punctuation, case or accents)
    share a key; 0 for an item that is its own answer (a post)."""
    if kind not in (KnowledgeKind.FAQ, KnowledgeKind.REPLY):
        return 0
    digest = hashlib.blake2b(" ".join(words(body)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True) or 1


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
    # One row per item in 8 bits, each row scaled to use the range (vector ~ row * scale): a
    # quarter of float32's memory, and the ranking does not move.
    vectors: np.ndarray
    scales: np.ndarray
    lexical: bm25s.BM25 | None
    answer_keys: np.ndarray  # answer_key of each row
    # The rows sorted by answer key, and the keys in that order: a key's members are one slice.
    key_order: np.ndarray | None = None
    sorted_keys: np.ndarray | None = None
    # Whether any answer is given by two items or more (counting the built index when this is the
    # segment added since): without one, search skips the answer groups altogether.
    answers_repeat: bool = False
    large_answer_sums: dict = field(default_factory=dict)
    # Large corpora: the rows are grouped in clusters of similar items (k-means); a comment's
    # first pass ranks the members of its nearest clusters on the vectors projected on their main
    # directions (PCA), then the exact similarity of the best candidates only.
    mean: np.ndarray | None = None
    projection: np.ndarray | None = None
    coarse: np.ndarray | None = None  # 8 bits, scaled per row as `vectors` are
    coarse_scales: np.ndarray | None = None
    centroids: np.ndarray | None = None  # one row per cluster, in the projected space
    cluster_starts: np.ndarray | None = None  # cluster c holds rows cluster_starts[c]:cluster_starts[c + 1]
    added: "_CreatorIndex | None" = None  # items added since the build, ranked exactly

    @property
    def item_ids(self) -> np.ndarray:
        """Every item this index can find."""
        return self.ids if self.added is None else np.concatenate([self.ids, self.added.ids])

    def similarity(self, rows: np.ndarray | slice, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query and the items of these rows."""
        return (self.vectors[rows].astype(np.float32) @ query) * self.scales[rows]

    def answer_sum(self, key: int) -> tuple[np.ndarray, int]:
        """The sum of the vectors of the items with this answer key, and their number (kept for
        the large groups, a generic answer given thousands of times, so no comment sums them again)."""
        if key in self.large_answer_sums:
            return self.large_answer_sums[key]
        start, end = np.searchsorted(self.sorted_keys, key, "left"), np.searchsorted(self.sorted_keys, key, "right")
        rows = self.key_order[start:end]
        found = (self.vectors[rows].astype(np.float32) * self.scales[rows, None]).sum(axis=0), len(rows)
        if len(rows) >= LARGE_ANSWER_GROUP:
            self.large_answer_sums[key] = found
        return found

    def answer_counts(self, keys: np.ndarray) -> np.ndarray:
        """How many items of this index have each of these answer keys."""
        return np.searchsorted(self.sorted_keys, keys, "right") - np.searchsorted(self.sorted_keys, keys, "left")

    def sort_answer_keys(self) -> None:
        self.key_order = np.argsort(self.answer_keys, kind="stable")
        self.sorted_keys = self.answer_keys[self.key_order]
        self.answers_repeat = bool(np.any((self.sorted_keys[1:] == self.sorted_keys[:-1]) & (self.sorted_keys[1:] != 0)))


def quantised(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row in 8 bits, and its scale (row ~ quantised row * scale)."""
    scales = np.abs(rows).max(axis=1) / 127
    scales[scales == 0] = 1.0
    return np.rint(rows / scales[:, None]).astype(np.int8), scales.astype(np.float32)


class _Indexes:
    """Per-process cache of each creator's index, rebuilt when their knowledge changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_creator: dict[int, _CreatorIndex] = {}

    def clear(self) -> None:
        with self._lock:
            self._by_creator.clear()

    def get(self, creator_id: int, version: int | None = None) -> _CreatorIndex:
        """The creator's index at `version` of their knowledge (read from the database if not given)."""
        if version is None:
            persona = Persona.objects.filter(creator_id=creator_id).only("knowledge_version").first()
            version = persona.knowledge_version if persona else 0
        model = get_embedder().name
        cached = self._by_creator.get(creator_id)
        if cached and cached.version == version and cached.model == model:
            return cached
        index = cached and cached.model == model and updated_index(cached, creator_id, version)
        index = index or build_index(creator_id, version, model)
        with self._lock:
            self._by_creator[creator_id] = index
        return index


def _refresh_stale_vectors(creator_id: int, model: str) -> None:
    """Items stored before this model (or before embeddings) get their vectors now."""
    stale = list(KnowledgeItem.objects.filter(creator_id=creator_id).exclude(embedding_model=model)[:100_000])
    if stale:
        embed_items(stale)
        KnowledgeItem.objects.bulk_update(stale, ["embedding", "embedding_model", "language"], batch_size=1000)


def updated_index(index: _CreatorIndex, creator_id: int, version: int) -> _CreatorIndex | None:
    """The index at a newer version of the creator's knowledge without rebuilding it: the items
    added since its build in a segment of their own. None when a rebuild is due: an item was
    deleted (an erased fan's words leave every index at once), too many were added, or a vector
    is from another model."""
    present = np.fromiter(
        KnowledgeItem.objects.filter(creator_id=creator_id).values_list("id", flat=True).iterator(chunk_size=20_000),
        dtype=np.int64,
    )
    added = present[~np.isin(present, index.ids)]
    if len(present) - len(added) < len(index.ids) or len(added) > ADDED_UP_TO:
        return None
    if KnowledgeItem.objects.filter(id__in=added.tolist()).exclude(embedding_model=index.model).exists():
        return None
    segment = build_index(creator_id, version, index.model, only=added.tolist()) if len(added) else None
    if segment is not None:
        keyed = segment.answer_keys[segment.answer_keys != 0]
        segment.answers_repeat = segment.answers_repeat or bool(np.isin(keyed, index.sorted_keys).any())
    return replace(index, version=version, added=segment)


def build_index(creator_id: int, version: int, model: str, only: list[int] | None = None) -> _CreatorIndex:
    """The creator's whole index (or, given `only`, the index of these items, ranked exactly)."""
    rows = KnowledgeItem.objects.filter(creator_id=creator_id).order_by("id")
    if only is None:
        _refresh_stale_vectors(creator_id, model)
    else:
        rows = rows.filter(id__in=only)
    count = rows.count()
    ids, scales = np.empty(count, dtype=np.int64), np.empty(count, dtype=np.float32)
    keys = np.empty(count, dtype=np.int64)
    vectors: np.ndarray | None = None
    tokens = []
    n = -1
    for n, (item_id, vector, kind, prompt, body, language) in enumerate(
        rows.values_list("id", "embedding", "kind", "prompt", "body", "language").iterator(chunk_size=2000)
    ):
        if n >= count:  # items added while reading: the next knowledge version picks them up
            break
        row = np.frombuffer(bytes(vector), dtype=np.float16).astype(np.float32)
        if vectors is None:
            vectors = np.empty((count, len(row)), dtype=np.int8)
        ids[n], keys[n] = item_id, answer_key(kind, body)
        quantised_row, scale = quantised(row[None])
        vectors[n], scales[n] = quantised_row[0], scale[0]
        tokens.append(stems(search_text(kind, prompt, body), language) or ["_"])
    ids, keys = ids[: n + 1], keys[: n + 1]
    if vectors is None:
        index = _CreatorIndex(version, model, ids, np.zeros((0, 1), np.int8), np.zeros(0, np.float32), None, keys)
        index.sort_answer_keys()
        return index
    index = _CreatorIndex(version, model, ids, vectors[: n + 1], scales[: n + 1], None, keys)
    if len(ids) > EXACT_UP_TO and only is None:
        order = add_coarse_pass(index)
        tokens = [tokens[i] for i in order]
    index.sort_answer_keys()
    index.lexical = bm25s.BM25()
    index.lexical.index(tokens, show_progress=False)
    del tokens
    if only is None:
        release_freed_memory()
    return index


def release_freed_memory() -> None:
    """Building a large index leaves hundreds of MB of freed Python objects that glibc keeps
    for the process; hand them back so a worker's resident size is what it holds."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def add_coarse_pass(index: _CreatorIndex) -> np.ndarray:
    """Fit the main directions (PCA) and the clusters (k-means, about sqrt(n)) on a sample, project
    every row on those directions in 8 bits, and reorder the index so that each cluster is one
    slice. Returns the new order of the rows."""
    rng = np.random.default_rng(0)
    count = len(index.ids)
    picked = rng.choice(count, size=min(count, 20_000), replace=False)
    sample = index.vectors[picked].astype(np.float32) * index.scales[picked, None]
    index.mean = sample.mean(axis=0)
    sample -= index.mean
    # The main directions are the top eigenvectors of the 512 x 512 covariance: the same as an SVD
    # of the sample, without its 20,000-row factor in memory.
    _, eigenvectors = np.linalg.eigh(sample.T @ sample)
    index.projection = np.ascontiguousarray(eigenvectors[:, ::-1][:, :COARSE_DIMENSIONS])
    centroids = k_means(sample @ index.projection, int(np.sqrt(count)))
    del sample
    coarse = np.empty((count, COARSE_DIMENSIONS), dtype=np.int8)
    coarse_scales = np.empty(count, dtype=np.float32)
    labels = np.empty(count, dtype=np.int32)
    for start in range(0, count, 10_000):
        part = slice(start, start + 10_000)
        projected = (index.vectors[part].astype(np.float32) * index.scales[part, None] - index.mean) @ index.projection
        coarse[part], coarse_scales[part] = quantised(projected)
        labels[part] = nearest_centroids(projected, centroids)
    order = np.argsort(labels, kind="stable")
    index.ids, index.vectors, index.scales = index.ids[order], index.vectors[order], index.scales[order]
    index.answer_keys = index.answer_keys[order]
    index.coarse, index.coarse_scales = coarse[order], coarse_scales[order]
    index.centroids = centroids
    index.cluster_starts = np.searchsorted(labels[order], np.arange(len(index.centroids) + 1))
    return order


def k_means(points: np.ndarray, count: int, rounds: int = 12) -> np.ndarray:
    """The centroids of `count` clusters: Lloyd's rounds from distinct points of a seeded draw.
    (Written here rather than taken from scikit-learn: importing it costs a worker 65 MB.)"""
    rng = np.random.default_rng(0)
    centroids = np.ascontiguousarray(points[rng.choice(len(points), size=count, replace=False)], dtype=np.float32)
    for _ in range(rounds):
        labels = nearest_centroids(points, centroids)
        sizes = np.bincount(labels, minlength=count)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, points)
        filled = sizes > 0  # an emptied cluster keeps its centroid
        centroids[filled] = sums[filled] / sizes[filled, None]
    return centroids


def nearest_centroids(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.argmin((centroids * centroids).sum(axis=1) - 2.0 * (points @ centroids.T), axis=1)


def coarse_rows(index: _CreatorIndex, projected_query: np.ndarray) -> np.ndarray:
    """The rows of the COARSE_PROBES clusters nearest the projected query."""
    closeness = index.centroids @ projected_query
    probes = min(COARSE_PROBES, len(closeness))
    nearest = np.argpartition(-closeness, probes - 1)[:probes]
    starts = index.cluster_starts
    return np.concatenate([np.arange(starts[c], starts[c + 1]) for c in nearest])


def candidate_similarities(
    index: _CreatorIndex, queries: np.ndarray, lexical: list[np.ndarray], words: list[list[str]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each query, (row numbers, cosine similarities) of the candidates worth ranking: every
    row of a small index (the queries ranked together, a slice of the index at a time: bounded
    memory); for a large one, the best of the coarse pass plus the best lexical matches."""
    if index.coarse is None:
        exact = np.empty((len(index.ids), len(queries)), dtype=np.float32)
        for start in range(0, len(index.ids), 4_000):
            part = slice(start, start + 4_000)
            exact[part] = (index.vectors[part].astype(np.float32) @ queries.T) * index.scales[part, None]
        every = np.arange(len(index.ids))
        return [(every, exact[:, i]) for i in range(len(queries))]
    found = []
    for query, projected, lexical_row, query_words in zip(queries, queries @ index.projection, lexical, words, strict=True):
        rows = coarse_rows(index, projected)
        if len(rows) > COARSE_CANDIDATES:
            rough = (index.coarse[rows].astype(np.float32) @ projected) * index.coarse_scales[rows]
            rows = rows[np.argpartition(-rough, COARSE_CANDIDATES)[:COARSE_CANDIDATES]]
        matched = rare_word_rows(index, query_words)
        if len(matched) > LEXICAL_CANDIDATES:
            matched = matched[np.argpartition(-lexical_row[matched], LEXICAL_CANDIDATES)[:LEXICAL_CANDIDATES]]
        rows = np.union1d(rows, matched)
        found.append((rows, index.similarity(rows, query)))
    return found


def postings(index: _CreatorIndex, words: list[str], most: int) -> list[slice]:
    """For each of these words that at most `most` items hold, where its items (bm25s's
    `scores["indices"]`) and their BM25 scores (`scores["data"]`) are."""
    if index.lexical is None or not words:
        return []
    starts = index.lexical.scores["indptr"]
    found = [slice(starts[word], starts[word + 1]) for word in index.lexical.get_tokens_ids(words)]
    return [part for part in found if part.stop - part.start <= most]


def lexical_scores(index: _CreatorIndex, words: list[str]) -> np.ndarray:
    """BM25 of each item for these stems (bm25s's own scores)."""
    lexical = np.zeros(len(index.ids), dtype=np.float32)
    most = len(index.ids) if index.coarse is None else int(COMMON_WORD_SHARE * len(index.ids))
    # Added up per word with plain indexing: a word's documents are distinct, so this is what
    # bm25s's np.add.at does, several times faster.
    for part in postings(index, words, most):
        lexical[index.lexical.scores["indices"][part]] += index.lexical.scores["data"][part]
    return lexical


def rare_word_rows(index: _CreatorIndex, words: list[str]) -> np.ndarray:
    """The rows of the items that hold one of these words where the word is rare (in at most
    RARE_WORD_SHARE of the items; a row may come more than once)."""
    parts = [index.lexical.scores["indices"][part] for part in postings(index, words, int(RARE_WORD_SHARE * len(index.ids)))]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def relative_lexical_scores(segments: list[_CreatorIndex], words: list[str]) -> list[np.ndarray]:
    """BM25 in each segment of the index, relative to the best item of all (0..1)."""
    scores = [lexical_scores(segment, words) for segment in segments]
    best = max(s.max(initial=0) for s in scores)
    return [s / best for s in scores] if best > 0 else scores


def best_rows(rows: np.ndarray, similarity: np.ndarray, lexical: np.ndarray, limit: int) -> list[tuple[int, float, float, float]]:
    """(row, score, similarity, lexical) of the `limit` best candidates, best first."""
    scores = similarity + LEXICAL_WEIGHT * lexical[rows]
    best = np.argsort(-scores)[:limit] if len(scores) <= limit else np.argpartition(-scores, limit)[:limit]
    best = best[np.argsort(-scores[best])]
    return [(int(rows[i]), float(scores[i]), float(similarity[i]), float(lexical[rows[i]])) for i in best]


indexes = _Indexes()


def search(*, creator_id: int, text: str, limit: int = 5, knowledge_version: int | None = None) -> list[Hit]:
    """The creator's knowledge items closest in meaning to the comment, best first."""
    return search_many(creator_id=creator_id, texts=[text], limit=limit, knowledge_version=knowledge_version)[0]


def search_many(
    *, creator_id: int, texts: list[str], limit: int = 5, knowledge_version: int | None = None, languages: list[str] | None = None
) -> list[list[Hit]]:
    """`search` for several comments of one creator at once: one embedding batch, a ranking pass
    per RANKED_TOGETHER comments and one read of the items found. `languages`: the comments'
    languages where already known (triage detects them), for their stems."""
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    found: list[list[Hit]] = [[] for _ in texts]
    if not wanted:
        return found
    index = indexes.get(creator_id, knowledge_version)
    segments = [index, index.added] if index.added else [index]
    vectors = embed([texts[i] for i in wanted])
    tops = []
    regroup = any(segment.answers_repeat for segment in segments)
    considered = max(limit, RERANKED) if regroup else limit
    for start in range(0, len(wanted), RANKED_TOGETHER):  # bounded scratch memory per group
        group = slice(start, start + RANKED_TOGETHER)
        words = [stems(texts[i], languages[i] if languages else "") for i in wanted[group]]
        lexical = list(zip(*(relative_lexical_scores(segments, query_words) for query_words in words), strict=True))
        best = [ranked(segment, vectors[group], list(rows), words, considered) for segment, rows in zip(segments, lexical, strict=True)]
        for query, found_by_segment in zip(vectors[group], zip(*best, strict=True), strict=True):
            candidates = sorted(chain(*found_by_segment), key=itemgetter(1), reverse=True)[:considered]
            tops.append(by_answer(segments, query, candidates)[:limit] if regroup else candidates)
    items = KnowledgeItem.objects.defer("embedding").in_bulk({item_id for top in tops for item_id, *_ in top})
    for i, top in zip(wanted, tops, strict=True):
        found[i] = [Hit(items[item_id], score, sim, lex) for item_id, score, sim, lex, _key in top if item_id in items]
    return found


def ranked(
    index: _CreatorIndex, queries: np.ndarray, lexical: list[np.ndarray], words: list[list[str]], limit: int
) -> list[list[tuple[int, float, float, float, int]]]:
    """For each query, (item id, score, similarity, lexical, answer key) of the `limit` best items
    of this index, best first."""
    return [
        [(int(index.ids[row]), score, sim, lex, int(index.answer_keys[row]))
         for row, score, sim, lex in best_rows(rows, similarity, lexical_row, limit)]
        for (rows, similarity), lexical_row in zip(candidate_similarities(index, queries, lexical, words), lexical, strict=True)
    ]


def answer_similarity(segments: list[_CreatorIndex], key: int, query: np.ndarray) -> float | None:
    """Cosine of the query and the centroid of the items with this answer; None for an answer
    given once (its item's own similarity stands)."""
    total, count = np.zeros_like(query), 0
    for segment in segments:
        vector_sum, members = segment.answer_sum(key)
        if members:
            total, count = total + vector_sum, count + members
    norm = float(np.linalg.norm(total))
    return float(total @ query) / norm if count > 1 and norm else None


def by_answer(segments: list[_CreatorIndex], query: np.ndarray, candidates: list[tuple]) -> list[tuple[int, float, float, float, int]]:
    """The candidates (as `ranked` gives them) rescored, best first: an item of a repeated answer
    scores the better of its own similarity and its answer's centroid's (a near-copy of one way of
    asking stays as sure as it was)."""
    keys = np.array([candidate[4] for candidate in candidates], dtype=np.int64)
    members = sum(segment.answer_counts(keys) for segment in segments)
    centroid = {key: answer_similarity(segments, key, query) for key in set(keys[(members > 1) & (keys != 0)].tolist())}
    rescored = []
    for item_id, score, sim, lex, key in candidates:
        group = centroid.get(key)
        rescored.append((item_id, score if group is None else max(score, group + LEXICAL_WEIGHT * lex), sim, lex, key))
    return sorted(rescored, key=itemgetter(1), reverse=True)
