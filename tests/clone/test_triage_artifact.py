"""The triage artifact is plain arrays: a worker scores with NumPy what scikit-learn trained."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from replyqueue.clone.triage_model import CATEGORIES, SAFETY_KINDS, CharGrams, LinearHead, get_model
from replyqueue.clone.triage_training import (
    MIN_QUESTION_CALLS,
    artifact_arrays,
    question_threshold,
    spam_over_safety_threshold,
)

TEXTS = [
    "check my channel", "a", "ok", "  spaces   everywhere \t and\nlines ", "", "Ça été génial !!! 😍",
    "I know where you live", "abonne-toi à ma chaîne", "xx", "free crypto airdrop claim now", "WOW  WOW",
]


def fitted_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, sublinear_tf=True, dtype=np.float32).fit(TEXTS)


def test_the_exported_n_grams_weigh_a_text_as_scikit_learn_does():
    vectorizer = fitted_vectorizer()
    arrays = artifact_arrays(vectorizer, *two_heads(vectorizer), {})
    ours = CharGrams(arrays["terms"].tolist(), arrays["idf"], (2, 5))
    unseen = ["channel checks", "où tu habites", "a b c", "crypto!!!", ""]
    for texts in (TEXTS, unseen):
        np.testing.assert_allclose(ours.transform(texts).toarray(), vectorizer.transform(texts).toarray(), atol=1e-6)


def two_heads(vectorizer: TfidfVectorizer) -> tuple[LogisticRegression, LogisticRegression]:
    matrix = vectorizer.transform(TEXTS)
    rng = np.random.default_rng(0)
    category = LogisticRegression().fit(matrix, rng.choice(["spam", "question", "praise"], len(TEXTS)))
    safety = LogisticRegression().fit(matrix, rng.choice(["none", "threat"], len(TEXTS)))
    return category, safety


def test_an_exported_head_gives_scikit_learns_probabilities():
    vectorizer = fitted_vectorizer()
    category, _ = two_heads(vectorizer)
    ours = LinearHead([str(c) for c in category.classes_], category.coef_.astype(np.float32), category.intercept_)
    matrix = vectorizer.transform(["check my channel now", "where do you live", "love it"])
    np.testing.assert_allclose(ours.predict_proba(matrix), category.predict_proba(matrix), atol=1e-6)


def test_the_committed_artifact_names_every_category_and_safety_kind():
    model = get_model()
    assert sorted(model.category_head.classes) == sorted(CATEGORIES)
    assert sorted(model.safety_head.classes) == sorted(SAFETY_KINDS)
    assert model.category_head.coef.shape == (len(CATEGORIES), 512 + len(model.grams.idf))
    assert set(model.thresholds) == {
        "safety", "no_reply_spam", "no_reply_abuse", "no_reply_spam_question", "no_reply_abuse_question", "spam_over_safety",
    }


def test_a_worker_triages_without_importing_scikit_learn():
    script = (
        "import sys, django; django.setup();"
        "from replyqueue.celery import app; app.loader.import_default_modules();"
        "from replyqueue.clone.triage import classify_many; classify_many(['check my channel', 'what camera?']);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'joblib'}))"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="replyqueue.settings")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_spam_leaves_the_safety_route_only_above_every_real_safety_case_of_a_kind_that_may_leave_it():
    spam = CATEGORIES.index("spam")
    categories = np.zeros((4, len(CATEGORIES)))
    categories[:, spam] = [0.6, 0.95, 0.99, 0.2]
    safety = np.zeros((4, len(SAFETY_KINDS)))
    safety[0, SAFETY_KINDS.index("crisis")] = safety[1, SAFETY_KINDS.index("minor_at_risk")] = 1.0
    safety[2:, 0] = 1.0
    is_safety = np.array([True, True, False, False])
    # the crisis case at 0.6 counts; the possible minor at 0.95 never leaves the route, so it does not
    assert spam_over_safety_threshold(categories, safety, is_safety) == 0.8


def test_questions_get_their_own_threshold_only_once_cross_validation_made_enough_such_calls():
    assert question_threshold(0.7, np.array([0.8]), np.array([True])) == 1.0  # one right call shows nothing
    many = np.linspace(0.75, 0.99, MIN_QUESTION_CALLS)
    assert question_threshold(0.7, many, np.ones(MIN_QUESTION_CALLS, bool)) == pytest.approx(0.75)
    assert question_threshold(0.8, many, np.ones(MIN_QUESTION_CALLS, bool)) == 0.8  # never looser than the general one


def test_an_artifact_trained_on_another_encoders_vectors_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    from replyqueue.clone.triage_model import ARTIFACT, TriageModel

    with np.load(ARTIFACT, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(str(arrays["meta"]))
    meta["info"]["embedder"] = "openai:text-embedding-3-small"
    arrays["meta"] = np.array(json.dumps(meta))
    with pytest.raises(ImproperlyConfigured, match="trained on openai:text-embedding-3-small vectors"):
        TriageModel(arrays)
