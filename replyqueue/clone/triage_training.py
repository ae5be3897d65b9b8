"""Training the triage models (`manage.py train_triage`) on the training files only.

Thresholds are chosen on out-of-fold predictions of a stratified 5-fold cross-validation over
the TRAINING data, repeated CV_REPEATS times with different splits and averaged (the TF-IDF is
refitted inside each fold); the evaluation set is never seen.
"""

import json
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold

from replyqueue.clone.embeddings import embed_for_sorting, sorting_embedder
from replyqueue.clone.learning_tuning import WORLD_CLUSTERS, choose_neighbour_layer
from replyqueue.clone.learning_tuning import choose as choose_learning
from replyqueue.clone.triage import NEVER_SPAM_KINDS, asks_question, reads_as_spam
from replyqueue.clone.triage_model import (
    CATEGORIES,
    EMBEDDING_WEIGHT,
    FORMAT,
    SAFETY_KINDS,
    normalised,
    safety_kinds,
    safety_scores,
)

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
TRAINING_FILES = (
    "triage_train.jsonl", "triage_train_authored.jsonl", "triage_train_hard_negatives.jsonl", "triage_train_adult_spam.jsonl",
    "triage_train_orders.jsonl",
)
SEED = 20260501
FOLDS = 5
CV_REPEATS = 3  # repetitions of the cross-validation, each with its own fold split
SAFETY_RECALL = 0.97  # share of safety cases (threats, self-harm, crisis...) the head must catch in CV
# Share of model-only no_reply calls that must be spam/abuse in CV: 0.99 for a 0.98 target, as comments
# new to the model are called with less precision than cross-validation shows (SAFETY_RECALL's margin too).
NO_REPLY_PRECISION = 0.99
MIN_QUESTION_CALLS = 10  # fewer calls on questions in CV than this: none is filed on the model's word
# Inverse regularisation of both heads. 32 rather than 4: on training data only (3 random splits and 2
# splits by meaning), spam F1 after safety routing +0.01 to +0.02 on every split, false alarms unchanged.
HEAD_C = 32.0
FILED = ("spam", "abuse")
SPAM_KINDS = 5  # groups of spam by meaning, each held out in turn to simulate a new kind of spam


def load_training() -> list[dict]:
    rows = []
    for name in TRAINING_FILES:
        rows += [json.loads(line) for line in (DATASETS / name).read_text().splitlines() if line.strip()]
    return rows


def safety_label(row: dict) -> str:
    return row.get("safety") or "none"


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=30_000, dtype=np.float32
    )


def _heads(seed: int) -> tuple[LogisticRegression, LogisticRegression]:
    category = LogisticRegression(C=HEAD_C, max_iter=4000, class_weight="balanced", random_state=seed)
    safety = LogisticRegression(C=HEAD_C, max_iter=4000, class_weight="balanced", random_state=seed)
    return category, safety


def _fit(texts, embeddings, categories, safeties, seed):
    vectorizer = _vectorizer().fit([normalised(t) for t in texts])

    def features(rows_texts, rows_embeddings):
        grams = vectorizer.transform([normalised(t) for t in rows_texts])
        return sparse.hstack([sparse.csr_matrix(rows_embeddings * EMBEDDING_WEIGHT), grams], format="csr")

    matrix = features(texts, embeddings)
    category_head, safety_head = _heads(seed)
    category_head.fit(matrix, categories)
    safety_head.fit(matrix, safeties)
    return vectorizer, category_head, safety_head, features


def _ordered(probabilities, classes, order):
    return probabilities[:, [list(classes).index(c) for c in order]]


def recall_threshold(scores: np.ndarray, positive: np.ndarray, recall: float) -> float:
    """The highest threshold that still catches `recall` of the positives."""
    caught = np.sort(scores[positive])[::-1]
    k = int(np.ceil(recall * len(caught))) - 1
    return float(caught[max(k, 0)])


def precision_threshold(scores: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """The lowest threshold whose calls (score >= threshold) keep `precision` (1.0 if none does)."""
    order = np.argsort(-scores)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.where(running >= precision)[0]
    if not len(ok):
        return 1.0
    return float(scores[order][ok[-1]])


def question_threshold(general: float, scores: np.ndarray, correct: np.ndarray) -> float:
    """How sure the model must be to file a comment that asks a question: never less than `general`, and
    never on the model's word alone (1.0) unless cross-validation made at least MIN_QUESTION_CALLS such
    calls to show it precise on them (one right call would otherwise set the threshold)."""
    if len(scores) < MIN_QUESTION_CALLS:
        return 1.0
    return max(general, precision_threshold(scores, correct, NO_REPLY_PRECISION))


def spam_over_safety_threshold(categories: np.ndarray, safety: np.ndarray, is_safety: np.ndarray) -> float:
    """How sure of spam the category head must be to take a flagged comment off the safety route
    (triage.reads_as_spam): halfway from the spam probability of the most spam-like real safety case
    of cross-validation (of a kind that may leave the route) to certainty."""
    eligible = is_safety & ~np.isin(safety_kinds(safety), NEVER_SPAM_KINDS)
    surest = float(categories[eligible, CATEGORIES.index("spam")].max()) if eligible.any() else 1.0
    return (surest + 1.0) / 2


def cross_validate(texts, embeddings, categories, safeties, seed) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities, averaged over CV_REPEATS stratified 5-fold splits: with one split
    the safety threshold moved by up to 0.045 from one fold seed to the next."""
    out_categories = np.zeros((len(texts), len(CATEGORIES)))
    out_safety = np.zeros((len(texts), len(SAFETY_KINDS)))
    for repeat in range(CV_REPEATS):
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed + repeat)
        for train, held in folds.split(texts, categories):
            _, category_head, safety_head, features = _fit(
                [texts[i] for i in train], embeddings[train], categories[train], safeties[train], seed
            )
            matrix = features([texts[i] for i in held], embeddings[held])
            out_categories[held] += _ordered(category_head.predict_proba(matrix), category_head.classes_, CATEGORIES)
            out_safety[held] += _ordered(safety_head.predict_proba(matrix), safety_head.classes_, SAFETY_KINDS)
    return out_categories / CV_REPEATS, out_safety / CV_REPEATS


def unseen_spam_probabilities(texts, embeddings, categories, seed) -> tuple[np.ndarray, np.ndarray]:
    """Category probabilities of each spam row from a model that never saw spam LIKE it: the
    spam rows are split into SPAM_KINDS groups by meaning (k-means on the embeddings) and each
    group is scored by a category head trained on everything but that group. A creator hit by a
    new kind of spam is what per-creator learning is for; learning_tuning simulates it with these.
    Returns the probabilities (rows of non-spam comments are zero) and each spam row's group."""
    spam = np.where(categories == "spam")[0]
    groups = np.full(len(texts), -1)
    groups[spam] = KMeans(n_clusters=SPAM_KINDS, random_state=seed, n_init=4).fit_predict(embeddings[spam])
    out = np.zeros((len(texts), len(CATEGORIES)))
    for group in range(SPAM_KINDS):
        held = np.where(groups == group)[0]
        train = np.setdiff1d(np.arange(len(texts)), held)
        vectorizer = _vectorizer().fit([normalised(texts[i]) for i in train])

        def features(rows, vectorizer=vectorizer):
            grams = vectorizer.transform([normalised(texts[i]) for i in rows])
            return sparse.hstack([sparse.csr_matrix(embeddings[rows] * EMBEDDING_WEIGHT), grams], format="csr")

        head, _ = _heads(seed)
        head.fit(features(train), categories[train])
        out[held] = _ordered(head.predict_proba(features(held)), head.classes_, CATEGORIES)
    return out, groups


def new_content_probabilities(texts, embeddings, categories, safeties, seed) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold category probabilities where the folds are split by MEANING: the training
    comments are put in WORLD_CLUSTERS groups (k-means on the embeddings) and whole groups are held
    out, so each row is scored by a model that never saw comments like it. Returns the probabilities
    and each row's group (learning_tuning's "new content" world)."""
    clusters = KMeans(n_clusters=WORLD_CLUSTERS, random_state=seed, n_init=4).fit_predict(embeddings)
    out = np.zeros((len(texts), len(CATEGORIES)))
    for train, held in GroupKFold(n_splits=FOLDS).split(texts, categories, clusters):
        _, category_head, _, features = _fit([texts[i] for i in train], embeddings[train], categories[train], safeties[train], seed)
        out[held] = _ordered(category_head.predict_proba(features([texts[i] for i in held], embeddings[held])), category_head.classes_, CATEGORIES)
    return out, clusters


def train(seed: int = SEED, log=print) -> dict:
    rows = load_training()
    texts = [r["text"] for r in rows]
    categories = np.array([r["category"] for r in rows])
    safeties = np.array([safety_label(r) for r in rows])
    log(f"training rows: {len(rows)} from {', '.join(TRAINING_FILES)}")
    embeddings = embed_for_sorting(texts)

    oof_categories, oof_safety = cross_validate(texts, embeddings, categories, safeties, seed)
    predicted = np.array(CATEGORIES)[oof_categories.argmax(1)]
    accuracy = float((predicted == categories).mean())
    safety_score = safety_scores(oof_categories, oof_safety)
    is_safety = safeties != "none"
    safety_threshold = recall_threshold(safety_score, is_safety, SAFETY_RECALL)
    flagged = safety_score >= safety_threshold
    thresholds = {"safety": safety_threshold, "spam_over_safety": spam_over_safety_threshold(oof_categories, oof_safety, is_safety)}
    info = {
        "rows": len(rows), "seed": seed, "folds": FOLDS, "cv_repeats": CV_REPEATS, "embedder": sorting_embedder().name,
        "cv_accuracy": round(accuracy, 4),
        "cv_safety_recall": round(float(flagged[is_safety].mean()), 4),
        "cv_safety_flag_rate_on_others": round(float(flagged[~is_safety].mean()), 4),
    }
    kinds, spam = safety_kinds(oof_safety), oof_categories[:, CATEGORIES.index("spam")]
    off_route = flagged & np.array([reads_as_spam(k, p, thresholds) for k, p in zip(kinds, spam, strict=True)])
    info["cv_spam_over_safety"] = {"spam": int((off_route & (categories == "spam")).sum()), "of_flagged_spam": int((flagged & (categories == "spam")).sum()),
                                   "safety_cases": int((off_route & is_safety).sum()), "others": int((off_route & ~is_safety & (categories != "spam")).sum())}
    questions = np.array([asks_question(t) for t in texts])
    for name in FILED:
        column = CATEGORIES.index(name)
        chosen = (predicted == name) & ~flagged  # safety cases are never filed, whatever the category
        correct = np.isin(categories[chosen], FILED)
        threshold = precision_threshold(oof_categories[chosen, column], correct, NO_REPLY_PRECISION)
        thresholds[f"no_reply_{name}"] = threshold
        filed = chosen & (oof_categories[:, column] >= threshold) & ~flagged
        info[f"cv_no_reply_{name}_precision"] = round(float(np.isin(categories[filed], FILED).mean()) if filed.any() else 1.0, 4)
        info[f"cv_no_reply_{name}_share_of_{name}"] = round(float(filed[categories == name].mean()), 4)
        # Comments that ask a question, on their own: no looser than the general threshold.
        asking = chosen & questions
        right = np.isin(categories[asking], FILED)
        thresholds[f"no_reply_{name}_question"] = question_threshold(threshold, oof_categories[asking, column], right)
        info[f"cv_{name}_calls_that_ask_a_question"] = int(asking.sum())
    for key, value in {**thresholds, **info}.items():
        log(f"  {key}: {value}")
    unseen = unseen_spam_probabilities(texts, embeddings, categories, seed)
    learning, info["learning"] = choose_learning(categories, embeddings, oof_categories, flagged, thresholds, seed, log, unseen=unseen)
    new_content, clusters = new_content_probabilities(texts, embeddings, categories, safeties, seed)
    learning, info["learning"]["neighbour_layer"] = choose_neighbour_layer(
        categories, embeddings, oof_categories, new_content, clusters, flagged, thresholds, learning, seed, log
    )

    vectorizer, category_head, safety_head, _ = _fit(texts, embeddings, categories, safeties, seed)
    return artifact_arrays(vectorizer, category_head, safety_head, {"thresholds": thresholds, "info": info, "learning": learning.as_dict()})


def artifact_arrays(vectorizer: TfidfVectorizer, category_head: LogisticRegression, safety_head: LogisticRegression, meta: dict) -> dict:
    """The fitted models as the plain arrays triage_model.TriageModel loads (no pickle, no
    scikit-learn in the workers). Coefficients in float32: half the size, the same decisions."""
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    arrays = {"terms": np.array(terms), "idf": vectorizer.idf_.astype(np.float32)}
    for name, head in (("category", category_head), ("safety", safety_head)):
        arrays[f"{name}_classes"] = np.array([str(c) for c in head.classes_])
        arrays[f"{name}_coef"] = head.coef_.astype(np.float32)
        arrays[f"{name}_intercept"] = head.intercept_.astype(np.float64)
    arrays["meta"] = np.array(json.dumps({"format": FORMAT, "ngram_range": list(vectorizer.ngram_range), **meta}))
    return arrays
