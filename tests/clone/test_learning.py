from replyqueue.clone.learning import CreatorModel, LearningParams, learned_models, trained_params
from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.clone.triage_pipeline import triage_comment
from tests.factories import ingest

CAMPAIGN = "Amazing content! I post similar edits daily, you would love my page too"


def test_a_verdict_catches_near_copies_of_the_same_spam():
    model = CreatorModel.fit([(CAMPAIGN, "spam")])
    result = triage_comment(CAMPAIGN.replace("daily", "every day"), learned=model)
    assert (result.category, result.outcome) == ("spam", "no_reply")
    assert "like a comment you marked spam" in result.reasons[0]


def test_a_not_spam_verdict_clears_copies_of_a_false_alarm():
    text = "Check out my channel if you want the behind the scenes of this shoot, Mia asked me to post it"
    model = CreatorModel.fit([(text, "other")])
    assert triage_comment(text, learned=model).category not in ("spam", "abuse")


def test_a_creators_verdicts_never_clear_a_safety_case():
    text = "je sais où tu habites"
    model = CreatorModel.fit([(text, "other")] * 3 + [("buy followers cheap", "spam")] * 3)
    assert triage_comment(text, learned=model).category == "threat"


def test_a_few_marks_move_spam_towards_legit_for_that_creator():
    legit = ["Join my Discord server, link in my bio, we talk about your videos all day",
             "my discord has all the behind the scenes, come hang out", "Discord link in bio for the study group"]
    spam = ["free robux click here", "earn $500 a day with crypto, dm me", "sub4sub i sub back"]
    params = LearningParams(min_per_side=2, max_weight=0.75, full_weight_at=40)
    model = CreatorModel.fit([(t, "other") for t in legit] + [(t, "spam") for t in spam], params)
    assert model.regression is not None and 0 < model.weight <= 0.75
    probe = "come to our discord, link in my bio"
    before = triage_comment(probe).probabilities["spam"]
    after = triage_comment(probe, learned=model).probabilities["spam"]
    assert after < before


def test_feedback_rows_train_that_creators_model_only_and_never_a_fine_category(creator, other_creator):
    comment = ingest(creator, text=CAMPAIGN)
    TriageFeedback.objects.create(creator=creator, comment=comment, category="spam")
    approved = ingest(creator, "c2", text="What lens is that?")
    TriageFeedback.objects.create(creator=creator, comment=approved, category="question", source=TriageFeedbackSource.APPROVAL)
    mine = learned_models.for_creator(creator.id)
    theirs = learned_models.for_creator(other_creator.id)
    assert sorted(mine.categories) == ["question", "spam"]
    assert "fine" not in mine.categories
    assert mine.near_duplicate(_vector(CAMPAIGN)).category == "spam"
    assert theirs.near_duplicate(_vector(CAMPAIGN)) is None


def _vector(text):
    from replyqueue.clone.embeddings import embed

    return embed([text])[0]


def test_the_regression_waits_for_enough_marks_on_each_side():
    params = LearningParams(min_per_side=5, max_weight=0.5)
    model = CreatorModel.fit([("free robux click here", "spam")] * 4 + [("What lens is that?", "question")] * 9, params)
    assert model.regression is None and model.weight == 0.0


def test_close_marked_comments_vote_when_exemplars_are_on():
    params = LearningParams(knn_similarity=0.5, knn_weight=0.9, max_weight=0.0)
    model = CreatorModel.fit([("Get 1000 followers today, cheap and fast, DM me", "spam")], params)
    probe = "I sell followers, cheap"
    before = triage_comment(probe).probabilities["spam"]
    after = triage_comment(probe, learned=model).probabilities["spam"]
    assert after > before


def test_a_marked_comment_far_in_meaning_does_not_vote():
    params = LearningParams(knn_similarity=0.5, knn_weight=0.9, max_weight=0.0)
    model = CreatorModel.fit([("Get 1000 followers today, cheap and fast, DM me", "spam")], params)
    probe = "honestly the best tutorial on this"
    assert triage_comment(probe, learned=model).probabilities == triage_comment(probe).probabilities


def test_the_trained_artifact_says_how_far_verdicts_move_the_model():
    params = trained_params()
    assert 0.0 <= params.max_weight <= 1.0 and 0.0 <= params.knn_weight <= 1.0 and params.near_duplicate >= 0.9


def test_blending_moves_spam_and_keeps_the_legit_categories_in_proportion():
    import numpy as np

    from replyqueue.clone.learning import blend
    from replyqueue.clone.triage_model import CATEGORIES

    trained = np.zeros((1, len(CATEGORIES)))
    trained[0, CATEGORIES.index("spam")], trained[0, CATEGORIES.index("question")], trained[0, CATEGORIES.index("praise")] = 0.2, 0.6, 0.2
    moved = blend(trained, np.array([[1.0, 0.0, 0.0]]), np.array([0.5]))[0]
    assert round(moved[CATEGORIES.index("spam")], 6) == 0.6 and round(moved.sum(), 6) == 1.0
    assert round(moved[CATEGORIES.index("question")] / moved[CATEGORIES.index("praise")], 6) == 3.0
