from replyqueue.clone.learning import LearnedTriage, learned_models
from replyqueue.clone.models import TriageFeedback
from replyqueue.clone.triage_pipeline import triage_comment
from tests.factories import ingest

CAMPAIGN = "Amazing content! I post similar edits daily, you would love my page too"


def test_a_verdict_catches_near_copies_of_the_same_spam():
    model = LearnedTriage.fit([(CAMPAIGN, "spam")])
    assert triage_comment(CAMPAIGN).category != "spam"
    assert triage_comment(CAMPAIGN.replace("daily", "every day"), learned=model).category == "spam"


def test_a_not_spam_verdict_clears_copies_of_a_false_alarm():
    text = "Check out my channel if you want the behind the scenes of this shoot, Mia asked me to post it"
    assert triage_comment(text).category == "spam"
    model = LearnedTriage.fit([(text, "other")])
    assert triage_comment(text, learned=model).category != "spam"


def test_the_statistical_model_never_clears_builtin_spam_on_its_own():
    model = LearnedTriage.fit([("hello friends", "other")] * 10 + [("buy now", "spam")] * 2)
    assert triage_comment("sub4sub hello friends", learned=model).category == "spam"


def test_feedback_rows_train_that_creators_model_only(creator, other_creator):
    comment = ingest(creator, text=CAMPAIGN)
    TriageFeedback.objects.create(creator=creator, comment=comment, category="spam")
    mine = learned_models.for_creator(creator.id)
    theirs = learned_models.for_creator(other_creator.id)
    assert mine.near_duplicate(CAMPAIGN).category == "spam"
    assert theirs.near_duplicate(CAMPAIGN) is None
