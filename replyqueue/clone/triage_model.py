"""The trained triage models: one artifact, trained by `manage.py train_triage`, loaded once per
process.

Features: the multilingual sentence embedding (embeddings.embed, 512-d) next to a character
n-gram TF-IDF of the normalised text (invisible characters removed, look-alike letters folded,
spelled-out letters joined, leetspeak undone), so meaning and obfuscated spellings both count.

Two heads share the features:
- the category head: the 10 comment categories (logistic regression);
- the safety head: none / threat / doxxing / harassment / self_harm / crisis / minor_at_risk.
  A comment is a safety case when the mean of 1 - P(none) and the category head's
  P(threat) + P(sensitive) reaches a threshold chosen by cross-validation on the training data
  for recall.

The thresholds live in the artifact with the cross-validated figures that chose them. A missing
artifact is an error at first use: triage never silently runs without its model.

The artifact holds plain arrays (NumPy's .npz, loaded with no pickle): the n-gram vocabulary and
idf weights, and each head's coefficients. scikit-learn trains the models (triage_training.py) but a
worker scores with NumPy and SciPy alone: importing scikit-learn would cost a worker about 65 MB of
its 500 MB. tests/clone/test_triage_artifact.py checks that both give the same numbers.
"""

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from scipy import sparse

from replyqueue.clone.embeddings import embed_for_sorting, sorting_model_name
from replyqueue.clone.text import deleet, fold, unspace
from replyqueue.comments.models import Category

ARTIFACT = Path(__file__).resolve().parent / "models" / "triage.npz"
FORMAT = 2
CATEGORIES = [c.value for c in Category]
SAFETY_KINDS = ["none", "threat", "doxxing", "harassment", "self_harm", "crisis", "minor_at_risk"]
EMBEDDING_WEIGHT = 1.0  # the embedding block next to the TF-IDF block (each row has unit norm)
MARKUP = re.compile(r"</?[a-z][^>]{0,80}>|\*\*|__", re.I)
_WHITE_SPACES = re.compile(r"\s\s+")


def normalised(text: str) -> str:
    """What the character n-grams see: 'c h e c k  m y  c h a n n 3 l' -> 'check my channel'."""
    return deleet(unspace(fold(MARKUP.sub(" ", text or ""))))


def safety_scores(categories: np.ndarray, safety: np.ndarray) -> np.ndarray:
    """How much a comment looks like a safety case: the mean of the safety head's 1 - P(none) and
    the category head's P(threat) + P(sensitive). Two heads must lean the same way, which halves
    the false alarms of the safety head alone at the same recall (cross-validation on training)."""
    concern = categories[:, CATEGORIES.index("threat")] + categories[:, CATEGORIES.index("sensitive")]
    return (1.0 - safety[:, 0] + concern) / 2


def safety_kinds(safety: np.ndarray) -> np.ndarray:
    """The likeliest safety kind of each row (never "none"), whether or not it is a safety case."""
    return np.array(SAFETY_KINDS)[1 + np.argmax(safety[:, 1:], axis=1)]


@dataclass
class Scores:
    """The models' view of a batch of comments (row i is comment i)."""

    embeddings: np.ndarray  # L2-normalised, reused by per-creator learning and topic matching
    categories: np.ndarray  # P(category), columns in CATEGORIES order
    safety: np.ndarray  # P(safety kind), columns in SAFETY_KINDS order

    def category_probabilities(self, i: int) -> dict[str, float]:
        return dict(zip(CATEGORIES, self.categories[i].tolist(), strict=True))

    def safety_score(self, i: int) -> float:
        return float(safety_scores(self.categories[i : i + 1], self.safety[i : i + 1])[0])

    def safety_kind(self, i: int) -> str:
        return str(safety_kinds(self.safety[i : i + 1])[0])


class CharGrams:
    """The character n-gram TF-IDF fitted in training (scikit-learn's TfidfVectorizer with
    analyzer="char_wb", lowercase, sublinear tf and l2 norm), applied from its vocabulary and idf."""

    def __init__(self, terms: list[str], idf: np.ndarray, ngram_range: tuple[int, int]) -> None:
        self.index = {term: i for i, term in enumerate(terms)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.low, self.high = ngram_range

    def grams(self, text: str) -> list[str]:
        """Each word padded with a space on both sides, cut into n-grams (as "char_wb" does)."""
        out = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            word = f" {word} "
            for n in range(self.low, self.high + 1):
                out += [word[start : start + n] for start in range(max(len(word) - n, 0) + 1)]
                if len(word) <= n:  # a short word counts once, at its full length
                    break
        return out

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """One row per text: (1 + log count) x idf of each known n-gram, scaled to unit length."""
        indptr, columns, counts = [0], [], []
        for text in texts:
            found = Counter(map(self.index.get, self.grams(text)))
            found.pop(None, None)  # n-grams training never kept
            columns += found.keys()
            counts += found.values()
            indptr.append(len(columns))
        columns = np.array(columns, dtype=np.int64)
        values = (1.0 + np.log(np.array(counts, dtype=np.float32))) * self.idf[columns]
        row_of_value = np.repeat(np.arange(len(texts)), np.diff(indptr))
        norms = np.sqrt(np.bincount(row_of_value, weights=values * values, minlength=len(texts))).astype(np.float32)
        norms[norms == 0] = 1.0
        values /= norms[row_of_value]
        return sparse.csr_matrix((values, columns, np.array(indptr)), shape=(len(texts), len(self.idf)), dtype=np.float32)


@dataclass
class LinearHead:
    """A multinomial logistic regression: softmax of the features times the coefficients."""

    classes: list[str]
    coef: np.ndarray  # classes x features
    intercept: np.ndarray

    def predict_proba(self, matrix) -> np.ndarray:
        scores = np.asarray(matrix @ self.coef.T, dtype=np.float64) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        return scores / scores.sum(axis=1, keepdims=True)


class TriageModel:
    def __init__(self, arrays) -> None:
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != FORMAT:
            raise ImproperlyConfigured("The triage model artifact has an unknown format: run `manage.py train_triage`.")
        self.grams = CharGrams(arrays["terms"].tolist(), arrays["idf"], tuple(meta["ngram_range"]))
        self.category_head = LinearHead(arrays["category_classes"].tolist(), arrays["category_coef"], arrays["category_intercept"])
        self.safety_head = LinearHead(arrays["safety_classes"].tolist(), arrays["safety_coef"], arrays["safety_intercept"])
        self.thresholds: dict[str, float] = meta["thresholds"]
        self.info: dict = meta.get("info", {})
        if self.info.get("embedder", sorting_model_name()) != sorting_model_name():
            raise ImproperlyConfigured(
                f"The triage model was trained on {self.info['embedder']} vectors, not {sorting_model_name()}: run `manage.py train_triage`."
            )
        self.learning: dict = meta.get("learning", {})  # per-creator learning settings (learning.py)
        self._category_order = [self.category_head.classes.index(c) for c in CATEGORIES]
        self._safety_order = [self.safety_head.classes.index(s) for s in SAFETY_KINDS]

    def features(self, texts: list[str], embeddings: np.ndarray | None = None):
        if embeddings is None:
            embeddings = embed_for_sorting(texts)
        grams = self.grams.transform([normalised(t) for t in texts])
        return sparse.hstack([sparse.csr_matrix(embeddings * EMBEDDING_WEIGHT), grams], format="csr"), embeddings

    def score(self, texts: list[str], embeddings: np.ndarray | None = None) -> Scores:
        matrix, embeddings = self.features(texts, embeddings)
        categories = self.category_head.predict_proba(matrix)[:, self._category_order]
        safety = self.safety_head.predict_proba(matrix)[:, self._safety_order]
        return Scores(embeddings=embeddings, categories=categories, safety=safety)


_lock = threading.Lock()
_loaded: TriageModel | None = None


def get_model() -> TriageModel:
    """The process's triage model, loaded once from the committed artifact."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                if not ARTIFACT.exists():
                    raise ImproperlyConfigured(
                        f"The triage model {ARTIFACT} is missing: run `python manage.py train_triage` (triage cannot run without it)."
                    )
                with np.load(ARTIFACT, allow_pickle=False) as arrays:
                    _loaded = TriageModel(arrays)
    return _loaded


def reset_model() -> None:
    global _loaded
    with _lock:
        _loaded = None
