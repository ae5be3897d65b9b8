"""Per-creator triage learning from people's verdicts.

TriageFeedback rows (written by the inbox's actions) say what a comment was: an explicit mark
(spam, abuse, or "not spam" = another category) or an approval (the comment deserved a reply).
For each creator a small model learns spam / abuse / legit from those comments' sentence
embeddings (the same vectors the trained triage uses):

- near-copies: a near-copy (cosine >= `near_duplicate`) of a marked comment takes its verdict
  (spam campaigns paste the same text again and again; a "not spam" clears the copies);
- exemplars: marked comments within `knn_similarity` of a new one vote (weighted by similarity)
  on spam / abuse / legit, blended into the trained model's probabilities with `knn_weight`;
- a logistic regression on the marks once each side has `min_per_side` examples, blended with a
  weight that grows with the number of verdicts up to `max_weight`;
- the neighbour layer: with the trained model as the prior, the log-odds of spam move by how much
  closer a comment is to the nearest comment marked spam than to the nearest comment marked legit
  (`neighbour_gain` per unit of cosine when it is closer to spam, `neighbour_loss` when closer to
  legit). Its two coefficients are fitted by train_triage on simulated creators whose comments the
  trained model never saw the like of (learning_tuning.choose_neighbour_layer). On its own it never
  files a comment: it may make one "possibly spam" (or clear one), but no_reply still needs the
  trained model's confidence or a near-copy of a marked comment.

How much to trust each part (`LearningParams`) is not guessed: `manage.py train_triage` simulates
creators on out-of-fold predictions of the TRAINING data and keeps the settings that raise spam F1
the most without being worse than the trained model alone at any number of marks
(learning_tuning.py); they are stored in the artifact with the figures that chose them.

Safety cases are never learned: the safety head and patterns decide before any verdict counts. The one
exception is a near-copy of a comment the creator marked spam that the safety model (never a pattern)
flagged, not as a possible minor: it waits for them as "possibly spam", never filed (triage.copies_marked_spam).
"""

import threading
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import Count, Max

from replyqueue.clone.embeddings import embed_for_sorting
from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.clone.triage_model import CATEGORIES, get_model
from replyqueue.core.explain import Reason

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

FILED = ("spam", "abuse")
LEGIT = "legit"  # internal only: never stored as a category
SIDES = (*FILED, LEGIT)  # column order of every local (per-creator) distribution
FILED_COLUMNS = [CATEGORIES.index(c) for c in FILED]
LEGIT_COLUMNS = [i for i, c in enumerate(CATEGORIES) if c not in FILED]
SPAM_COLUMN = CATEGORIES.index("spam")
CEILING_MARGIN = 0.01  # the neighbour layer raises P(spam) to at most this far below the no_reply threshold
APPROVED_AS_LEGIT = 300


def side(category: str) -> str:
    return category if category in FILED else LEGIT


@dataclass(frozen=True)
class LearningParams:
    """How far a creator's verdicts move the trained model (chosen by train_triage, see above)."""

    near_duplicate: float = 0.9  # cosine from which a comment is a copy of a marked one
    knn_similarity: float = 0.0  # cosine from which a marked comment votes (0: exemplars off)
    knn_weight: float = 0.0  # weight of the exemplars' vote when one is that close
    min_per_side: int = 2  # verdicts needed on each side (filed / legit) before the regression counts
    full_weight_at: int = 40  # verdicts at which the regression reaches max_weight
    max_weight: float = 0.0  # the regression's weight at most (0: regression off)
    regularisation: float = 1.0  # C of the regression
    neighbour_gain: float = 0.0  # log-odds of spam per unit of (cosine to marked spam - to marked legit) > 0
    neighbour_loss: float = 0.0  # the same for < 0 (closer to marked legit): moves towards legit

    @classmethod
    def from_dict(cls, values: dict | None) -> "LearningParams":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in known})

    def as_dict(self) -> dict:
        return asdict(self)


def trained_params() -> LearningParams:
    """The settings stored in the triage artifact by train_triage."""
    return LearningParams.from_dict(get_model().learning)


def one_hot_sides(categories: list[str]) -> np.ndarray:
    matrix = np.zeros((len(categories), len(SIDES)), np.float32)
    for i, category in enumerate(categories):
        matrix[i, SIDES.index(side(category))] = 1.0
    return matrix


def blend(probabilities: np.ndarray, local: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Move the trained category probabilities (rows, CATEGORIES order) towards a local
    spam / abuse / legit view (rows, SIDES order) by `weight` per row; the legit categories keep
    their trained proportions."""
    out = np.array(probabilities, dtype=np.float64, copy=True)
    w = np.asarray(weight, dtype=np.float64)[:, None]
    legit_before = np.clip(out[:, LEGIT_COLUMNS].sum(1, keepdims=True), 1e-9, None)
    legit_after = (1 - w) * legit_before + w * local[:, 2:3]
    out[:, FILED_COLUMNS] = (1 - w) * out[:, FILED_COLUMNS] + w * local[:, :2]
    out[:, LEGIT_COLUMNS] *= legit_after / legit_before
    return out


def spam_margin(similarities: np.ndarray, mark_categories: list[str]) -> np.ndarray | None:
    """Per row: cosine to the nearest comment marked spam minus cosine to the nearest comment marked
    legit (neither spam nor abuse); None until both kinds of marks exist."""
    marks = np.asarray(mark_categories)
    spam, legit = marks == "spam", ~np.isin(marks, FILED)
    if not spam.any() or not legit.any():
        return None
    return similarities[:, spam].max(1) - similarities[:, legit].max(1)


def neighbour_shift(probabilities: np.ndarray, similarities: np.ndarray, mark_categories: list[str], params: LearningParams,
                    no_reply_at: float) -> np.ndarray:
    """The neighbour layer (see the module docstring): P(spam) moved in log-odds by the spam margin;
    the probability it gains or loses is taken from or given to the legit categories in proportion
    (abuse keeps its own). A rise stops below `no_reply_at` (the trained threshold for filing spam)
    unless the trained model was above it already: the layer alone never sends a comment to
    no_reply."""
    if not (params.neighbour_gain or params.neighbour_loss) or not len(probabilities):
        return probabilities
    margin = spam_margin(similarities, mark_categories)
    if margin is None:
        return probabilities
    out = np.array(probabilities, dtype=np.float64, copy=True)
    before = np.clip(out[:, SPAM_COLUMN], 1e-6, 1 - 1e-6)
    legit = out[:, LEGIT_COLUMNS].sum(1)
    shift = params.neighbour_gain * np.maximum(margin, 0.0) + params.neighbour_loss * np.minimum(margin, 0.0)
    after = 1.0 / (1.0 + np.exp(-(np.log(before / (1 - before)) + shift)))
    ceiling = np.minimum(np.maximum(before, no_reply_at - CEILING_MARGIN), before + legit)
    after = np.where(after > before, np.minimum(after, ceiling), after)
    moved = after - before
    out[:, LEGIT_COLUMNS] *= (np.clip(legit - moved, 0.0, None) / np.clip(legit, 1e-12, None))[:, None]
    out[:, SPAM_COLUMN] = after
    return out


def local_view(similarities: np.ndarray, mark_sides: np.ndarray, regression_view: np.ndarray | None, n_marks: int,
               params: LearningParams) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the local spam / abuse / legit distribution and its weight. Exemplars (marks at
    least knn_similarity close) decide when there are any; the regression otherwise."""
    rows = similarities.shape[0]
    local = np.zeros((rows, len(SIDES)))
    weight = np.zeros(rows)
    if regression_view is not None and params.max_weight > 0:
        local[:] = regression_view
        weight[:] = min(params.max_weight, n_marks / max(params.full_weight_at, 1))
    if params.knn_similarity > 0 and params.knn_weight > 0 and similarities.shape[1]:
        close = np.where(similarities >= params.knn_similarity, similarities, 0.0)
        votes = close @ mark_sides
        has = votes.sum(1) > 0
        local[has] = votes[has] / votes[has].sum(1, keepdims=True)
        weight[has] = params.knn_weight
    return local, weight


def fit_regression(embeddings: np.ndarray, sides: list[str], params: LearningParams) -> "LogisticRegression | None":
    filed = sum(s in FILED for s in sides)
    legit = len(sides) - filed
    if params.max_weight <= 0 or legit < params.min_per_side or filed < params.min_per_side:
        return None
    from sklearn.linear_model import LogisticRegression  # only when the artifact turns this layer on (max_weight > 0)

    return LogisticRegression(C=params.regularisation, class_weight="balanced", max_iter=500).fit(embeddings, sides)


def regression_view(regression: "LogisticRegression", embeddings: np.ndarray) -> np.ndarray:
    """The regression's probabilities in SIDES order (a side it never saw gets 0)."""
    raw = regression.predict_proba(embeddings)
    view = np.zeros((len(embeddings), len(SIDES)))
    for j, name in enumerate(regression.classes_):
        view[:, SIDES.index(name)] = raw[:, j]
    return view


@dataclass
class Verdict:
    category: str  # spam, abuse, or the category the creator gave a legit comment
    similarity: float


@dataclass
class Learned:
    """What a creator's verdicts do to one comment."""

    probabilities: dict[str, float]
    verdict: str = ""  # the category of a marked comment this one copies, or ""
    reason: str = ""


class CreatorModel:
    """What one creator's verdicts teach: near-copies, exemplars and a small regression."""

    def __init__(self, embeddings: np.ndarray, categories: list[str], params: LearningParams | None = None) -> None:
        self.params = params if params is not None else trained_params()
        self.embeddings = np.asarray(embeddings, dtype=np.float32).reshape(len(categories), -1) if categories else np.zeros((0, 512), np.float32)
        self.categories = list(categories)
        self.sides = [side(c) for c in categories]
        self.mark_sides = one_hot_sides(self.categories)
        self.regression = fit_regression(self.embeddings, self.sides, self.params) if categories else None

    @classmethod
    def fit(cls, labelled: list[tuple[str, str]], params: LearningParams | None = None) -> "CreatorModel":
        texts = [t for t, _ in labelled]
        return cls(embed_for_sorting(texts) if texts else np.zeros((0, 512), np.float32), [c for _, c in labelled], params)

    def __len__(self) -> int:
        return len(self.categories)

    @property
    def weight(self) -> float:
        """The regression's weight in the blend (0 until it is trusted)."""
        if self.regression is None:
            return 0.0
        return min(self.params.max_weight, len(self) / max(self.params.full_weight_at, 1))

    def near_duplicate(self, embedding: np.ndarray) -> Verdict | None:
        if not len(self):
            return None
        similarities = self.embeddings @ np.asarray(embedding, dtype=np.float32).ravel()
        best = int(np.argmax(similarities))
        if similarities[best] >= self.params.near_duplicate:
            return Verdict(self.categories[best], float(similarities[best]))
        return None

    def adjust_many(self, probabilities: np.ndarray, embeddings: np.ndarray) -> list[Learned]:
        """The trained probabilities of a batch (rows in CATEGORIES order) moved by this
        creator's verdicts, one `Learned` per row."""
        embeddings = np.asarray(embeddings, dtype=np.float32).reshape(len(probabilities), -1)
        if not len(self):
            return [Learned(dict(zip(CATEGORIES, row.tolist(), strict=True))) for row in probabilities]
        similarities = embeddings @ self.embeddings.T
        view = regression_view(self.regression, embeddings) if self.regression is not None else None
        local, weight = local_view(similarities, self.mark_sides, view, len(self), self.params)
        blended = blend(probabilities, local, weight)
        moved = neighbour_shift(blended, similarities, self.categories, self.params, get_model().thresholds["no_reply_spam"])
        out = []
        for i, row in enumerate(moved):
            best = int(np.argmax(similarities[i]))
            if similarities[i, best] >= self.params.near_duplicate:
                out.append(self._copy_of(probabilities[i], self.categories[best], float(similarities[i, best])))
                continue
            trained = dict(zip(CATEGORIES, probabilities[i].tolist(), strict=True))
            result = dict(zip(CATEGORIES, row.tolist(), strict=True))
            reason = ""
            if max(result, key=result.get) != max(trained, key=trained.get):
                if self._by_exemplars(similarities[i]):
                    reason = Reason("close to comments you marked")
                elif int(np.argmax(blended[i])) != int(np.argmax(row)):
                    reason = (Reason("nearer to comments you marked spam than to those you did not") if row[SPAM_COLUMN] > blended[i, SPAM_COLUMN]
                              else Reason("nearer to comments you marked not spam than to those you marked spam"))
                else:
                    reason = Reason("your %(count)s verdicts weigh %(percent)s", count=len(self), percent=f"{weight[i]:.0%}")
            out.append(Learned(result, "", reason))
        return out

    def _by_exemplars(self, similarities: np.ndarray) -> bool:
        return self.params.knn_similarity > 0 and self.params.knn_weight > 0 and bool((similarities >= self.params.knn_similarity).any())

    @staticmethod
    def _copy_of(probabilities: np.ndarray, category: str, similarity: float) -> Learned:
        trained = dict(zip(CATEGORIES, probabilities.tolist(), strict=True))
        if category in FILED:
            moved = dict.fromkeys(trained, 0.0)
            moved[category] = 1.0
        else:  # a cleared copy keeps the trained view of what it is, minus spam/abuse
            legit = {c: p for c, p in trained.items() if c not in FILED}
            total = sum(legit.values()) or 1.0
            moved = {c: legit.get(c, 0.0) / total for c in trained}
            if category in moved and not any(moved.values()):
                moved[category] = 1.0
        return Learned(moved, category, f"like a comment you marked {category} ({similarity:.0%} similar)")

    def adjust(self, probabilities: dict[str, float], embedding: np.ndarray) -> tuple[dict[str, float], str, str]:
        """One comment: moved probabilities, the copied verdict (or ""), a reason (or "")."""
        row = np.array([[probabilities[c] for c in CATEGORIES]])
        learned = self.adjust_many(row, np.asarray(embedding).reshape(1, -1))[0]
        return learned.probabilities, learned.verdict, learned.reason


EMPTY_CATEGORIES: list[str] = []


class _Models:
    """Per-process cache of each creator's model, rebuilt when their feedback changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple, CreatorModel]] = {}

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def for_creator(self, creator_id: int) -> CreatorModel:
        rows = TriageFeedback.objects.filter(creator_id=creator_id)
        stamp = tuple(rows.aggregate(n=Count("id"), last=Max("id"), changed=Max("created_at")).values())
        cached = self._cache.get(creator_id)
        if cached and cached[0] == stamp:
            return cached[1]
        if not stamp[0]:
            model = CreatorModel(np.zeros((0, 512), np.float32), EMPTY_CATEGORIES)
        else:
            # Explicit marks, plus the comments someone approved a reply to: those deserved one.
            marks = list(rows.filter(source=TriageFeedbackSource.MARK).values_list("comment__text", "category"))
            approved = rows.filter(source=TriageFeedbackSource.APPROVAL).order_by("-id")
            marks += list(approved.values_list("comment__text", "category")[:APPROVED_AS_LEGIT])
            model = CreatorModel.fit(marks)
        with self._lock:
            self._cache[creator_id] = (stamp, model)
        return model


learned_models = _Models()
