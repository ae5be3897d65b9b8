from replyqueue.clone.learning import CreatorModel, LearningParams, learned_models, trained_params
from replyqueue.clone.models import TriageFeedback, TriageFeedbackSource
from replyqueue.clone.triage import YOUNG_FAN
from replyqueue.clone.triage_pipeline import TAUGHT, triage_comment
from tests.factories import ROMANCE_BOT, ingest

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


def test_a_raid_of_a_flagged_bot_the_creator_marked_spam_waits_below_the_safety_cases_never_filed():
    assert triage_comment(ROMANCE_BOT).safety  # the safety model alarms on it, below the spam-over-safety threshold
    model = CreatorModel.fit([(ROMANCE_BOT, "spam")])
    copy = triage_comment(ROMANCE_BOT.replace("so we", "and we"), learned=model)
    assert (copy.category, copy.outcome, copy.safety, copy.labels[0]) == ("spam", "needs_human", "", "possibly spam")
    assert copy.priority < triage_comment(ROMANCE_BOT).priority


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


def _row(**values):
    import numpy as np

    from replyqueue.clone.triage_model import CATEGORIES

    row = np.zeros((1, len(CATEGORIES)))
    for name, value in values.items():
        row[0, CATEGORIES.index(name)] = value
    return row


def test_the_neighbour_layer_raises_spam_nearer_marked_spam_but_never_files_on_its_own():
    import numpy as np

    from replyqueue.clone.learning import neighbour_shift
    from replyqueue.clone.triage_model import CATEGORIES

    params = LearningParams(neighbour_gain=20.0, neighbour_loss=20.0)
    trained = _row(spam=0.3, question=0.45, praise=0.15, abuse=0.1)
    near_spam = np.array([[0.8, 0.3]])  # cosine to the one spam mark, to the one legit mark
    moved = neighbour_shift(trained, near_spam, ["spam", "question"], params, no_reply_at=0.56)[0]
    spam, abuse = moved[CATEGORIES.index("spam")], moved[CATEGORIES.index("abuse")]
    assert 0.3 < spam < 0.56  # "possibly spam" at most: no_reply needs the trained model's confidence
    assert int(np.argmax(moved)) == CATEGORIES.index("spam") and round(moved.sum(), 6) == 1.0
    assert abuse == 0.1  # what spam gains comes from the legit categories, in proportion
    assert round(moved[CATEGORIES.index("question")] / moved[CATEGORIES.index("praise")], 6) == 3.0
    near_legit = neighbour_shift(trained, np.array([[0.3, 0.8]]), ["spam", "question"], params, no_reply_at=0.56)[0]
    assert near_legit[CATEGORIES.index("spam")] < 0.3 and near_legit[CATEGORIES.index("abuse")] == 0.1


def test_the_neighbour_layer_waits_for_marks_on_both_sides_and_is_off_at_zero():
    import numpy as np

    from replyqueue.clone.learning import neighbour_shift

    trained = _row(spam=0.3, question=0.7)
    on = LearningParams(neighbour_gain=20.0, neighbour_loss=20.0)
    assert neighbour_shift(trained, np.array([[0.9, 0.8]]), ["spam", "abuse"], on, 0.56) is trained  # no legit mark yet
    assert neighbour_shift(trained, np.array([[0.9, 0.1]]), ["spam", "other"], LearningParams(), 0.56) is trained


def test_a_comment_nearer_the_creators_spam_marks_becomes_possibly_spam_with_its_reason():
    params = LearningParams(neighbour_gain=30.0, neighbour_loss=30.0)
    marks = [("Promote your channel to 10k real subscribers, message me for prices", "spam"),
             ("What microphone do you use for the voice over?", "question")]
    model = CreatorModel.fit(marks, params)
    probe = "Loved it! btw I do editing for creators"
    before, after = triage_comment(probe), triage_comment(probe, learned=model)
    assert (before.category, before.outcome) == ("praise", "draft")
    assert (after.category, after.outcome, after.labels) == ("spam", "draft", ["possibly spam", TAUGHT])
    assert "learned: nearer to comments you marked spam than to those you did not" in after.reasons
    cleared = CreatorModel.fit([*marks, (probe, "praise")], params)  # the creator said it is not spam
    assert triage_comment(probe, learned=cleared).category == "praise"


def test_a_comment_the_creators_verdicts_sorted_otherwise_is_labelled_so():
    model = CreatorModel.fit([(CAMPAIGN, "spam")])
    copy = CAMPAIGN.replace("daily", "every day")
    assert TAUGHT not in triage_comment(copy).labels
    assert TAUGHT in triage_comment(copy, learned=model).labels


def test_a_verdict_the_model_alone_agreed_with_leaves_no_label():
    filed_anyway = "Check out my channel for free crypto!!"
    alone = triage_comment(filed_anyway)
    assert (alone.category, alone.outcome) == ("spam", "no_reply")
    copied = triage_comment(filed_anyway, learned=CreatorModel.fit([(filed_anyway, "spam")]))
    assert "like a comment you marked spam" in copied.reasons[0]  # the verdict was applied...
    assert TAUGHT not in copied.labels  # ...but sorted it as the model alone did


def test_a_young_fans_copy_of_a_comment_the_creator_marked_spam_waits_as_possibly_spam_never_filed():
    model = CreatorModel.fit([("im 12 and i love ur dance videos so much!!", "spam")])
    result = triage_comment("im 12 and i love ur dance videos a lot!!", learned=model)
    assert (result.category, result.outcome, result.safety, result.labels[:2]) == ("spam", "needs_human", "", ["possibly spam", YOUNG_FAN])
    assert "like a comment you marked spam" in result.reasons[0]


def test_a_young_fan_the_model_alone_sorts_as_possibly_spam_is_not_labelled_as_taught():
    model = CreatorModel.fit([("I'm 13 and I make slime videos, go check out my channel and subscribe pls", "spam")])
    result = triage_comment("I'm 14 and I make slime videos, go check out my channel and subscribe!!", learned=model)
    assert (result.category, result.labels) == ("spam", ["possibly spam", YOUNG_FAN])
