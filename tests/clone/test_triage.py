"""Triage behaviour: the trained models (the committed artifact) plus the safety patterns."""

import pytest

from replyqueue.clone.triage import (
    PRIORITY_BY_CATEGORY,
    SPAM_LOOKALIKE_PRIORITY,
    YOUNG_FAN,
    classify,
    classify_many,
    safety_priority,
    stated_age,
)
from replyqueue.clone.triage_pipeline import POSSIBLY_SENSITIVE, triage_comment
from replyqueue.comments.models import Category


@pytest.mark.parametrize(
    "text, category",
    [
        ("What camera do you use?", "question"),
        ("Tu utilises quelle caméra", "question"),
        ("This is the best video I've seen all year ❤️", "praise"),
        ("Check out my channel for more!", "spam"),
        ("sub4sub anyone??", "spam"),
        ("Abonne-toi à ma chaîne stp", "spam"),
        ("Make $500 a day from home, message me on Telegram @cashking", "spam"),
        ("you're a pathetic clown", "abuse"),
        ("t'es qu'un bouffon", "abuse"),
        ("I want to end my life", "sensitive"),
        ("The audio is awful, I can't hear you", "complaint"),
        ("Please make a video about Japan", "request"),
    ],
)
def test_it_sorts_typical_comments(text, category):
    assert classify(text).category == category


def test_je_sais_ou_tu_habites_is_a_threat_for_the_owner_first_never_no_reply():
    result = triage_comment("je sais où tu habites")
    assert (result.category, result.outcome, result.owner_only, result.priority) == ("threat", "needs_human", True, 100)


def test_a_french_insult_telling_the_creator_to_go_is_abuse():
    assert classify("t'es vraiment nulle… casse-toi").category == "abuse"


def test_self_harm_is_sensitive_owner_only_at_the_top():
    result = triage_comment("I want to end my life")
    assert (result.outcome, result.owner_only, result.priority, result.safety) == ("needs_human", True, 100, "self_harm")


def test_a_camera_question_with_a_youtube_link_is_not_spam():
    result = classify("What camera did you use in this one? https://www.youtube.com/watch?v=dQw4w9WgXcQ at 2:10")
    assert result.category != "spam" and result.outcome != "no_reply"


def test_a_brand_deal_is_business_and_owner_only():
    result = triage_comment("Hi! I manage partnerships at GlowSkin, we'd love to sponsor your next video. What are your rates?")
    assert (result.category, result.owner_only) == ("business", True)


def test_homoglyph_spam_is_caught():
    assert classify("Frее сrурtо givеаwау, check my channel").category == "spam"  # Cyrillic letters


def test_zero_width_characters_do_not_hide_spam():
    assert classify("c\u200bh\u200be\u200bc\u200bk out my c\u200bhannel").category == "spam"


def test_letters_spelled_out_do_not_hide_spam():
    assert classify("c h e c k  m y  c h a n n e l").category == "spam"


def test_leetspeak_does_not_hide_insults():
    assert classify("you st*pid c0nnard").category == "abuse"


def test_friendly_swearing_is_praise_not_abuse():
    assert classify("Holy shit this is good").category == "praise"


def test_sensitive_wins_over_praise():
    result = classify("Your videos are the only thing keeping me going since my cancer diagnosis, love you")
    assert (result.category, result.outcome, result.owner_only) == ("sensitive", "needs_human", True)


def test_spam_below_the_precision_threshold_is_kept_and_labelled_not_filed():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.6, "other": 0.4}
    result = decide("check this", probabilities, 0.0, "none", thresholds={"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.9})
    assert (result.outcome, result.labels) == ("draft", ["possibly spam"])
    sure = decide("check this", probabilities | {"spam": 0.95, "other": 0.05}, 0.0, "none",
                  thresholds={"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.9})
    assert sure.outcome == "no_reply" and sure.reasons[0].startswith("spam")


def test_abuse_below_the_precision_threshold_is_drafted_and_labelled_for_a_person():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 0.5, "question": 0.3, "other": 0.2}
    result = decide("newsletter??", probabilities, 0.0, "none", thresholds={"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.9})
    assert (result.category, result.outcome, result.labels) == ("abuse", "draft", ["possibly abuse"])


def test_a_safety_case_is_never_filed_whatever_the_spam_probability():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 1.0}
    result = decide("whatever", probabilities, 0.9, "doxxing", thresholds={"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.9})
    assert (result.category, result.outcome, result.owner_only) == ("threat", "needs_human", True)


def test_an_rtl_override_does_not_hide_a_link():
    hidden, plain = classify("visit \u202emoc.\u202c www.cheap-coins.xyz"), classify("visit moc. www.cheap-coins.xyz")
    assert hidden.probabilities == plain.probabilities
    assert classify("free coins here \u202emoc.\u202c www.cheap-coins.xyz").category == "spam"


def test_ten_thousand_emoji_are_praise_and_fast():
    assert classify("🔥" * 10_000).category == "praise"


def test_html_and_markdown_are_ignored_for_sorting():
    assert classify("<b>**What lens**</b> do you use?").category == "question"


def test_every_result_carries_a_language_priority_and_reasons():
    result = classify("Quelle caméra utilises-tu ?")
    assert result.language == "fr"
    assert result.priority > 0
    assert result.reasons


def test_distress_in_praise_never_stays_routine():
    result = triage_comment("honestly everything feels pointless lately and your videos are all I look forward to")
    assert result.category == "sensitive" or POSSIBLY_SENSITIVE in result.labels
    assert result.priority >= 80


def test_ordinary_comments_are_not_labelled_possibly_sensitive():
    for text in ("What camera do you use?", "Loved the Lisbon video!", "Please make a video about Japan"):
        result = triage_comment(text)
        assert POSSIBLY_SENSITIVE not in result.labels and not result.safety


def test_only_vocabulary_values_come_out_of_triage():
    texts = ["je sais où tu habites", "sub4sub", "collab ?", "😂", "", "I'm 12 and my parents don't know i have this account"]
    for result in (triage_comment(t) for t in texts):
        assert result.category in Category.values
        assert result.outcome in ("draft", "no_reply", "needs_human")


def test_a_missing_model_artifact_is_a_loud_error(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from replyqueue.clone import triage_model

    monkeypatch.setattr(triage_model, "ARTIFACT", tmp_path / "absent.joblib")
    monkeypatch.setattr(triage_model, "_loaded", None)
    with pytest.raises(ImproperlyConfigured, match="train_triage"):
        triage_model.get_model()


def test_a_meetup_question_is_not_a_safety_case():
    assert not triage_comment("Will you come to Tokyo for a meetup?").safety


def test_a_where_do_you_live_come_to_our_city_question_is_not_a_safety_case():
    assert not triage_comment("Where do you live? Come to Lyon, we'd love a meetup!").safety


def test_a_french_come_to_our_city_question_is_not_a_safety_case():
    assert not triage_comment("Tu habites où ? Viens à Lyon !").safety


def test_a_veiled_threat_about_where_the_creator_films_still_reaches_the_owner():
    result = triage_comment("on sait où tu tournes, fais attention à toi")
    assert (result.category, result.outcome, result.owner_only) == ("threat", "needs_human", True)


def test_a_threat_to_come_to_the_creators_home_still_reaches_the_owner():
    result = triage_comment("je vais venir chez toi et tu vas regretter")
    assert (result.category, result.outcome, result.owner_only) == ("threat", "needs_human", True)


def test_a_safety_case_ranks_above_every_comment_but_a_threat_however_unsure_the_model():
    others = [priority for category, priority in PRIORITY_BY_CATEGORY.items() if category != "threat"]
    assert safety_priority("self_harm", 0.0, by_pattern=False) > max(others)


def test_among_safety_cases_a_clear_pattern_and_the_models_surer_calls_come_first():
    assert safety_priority("threat", 0.3, by_pattern=True) == 100
    assert safety_priority("self_harm", 0.9, by_pattern=False) > safety_priority("self_harm", 0.3, by_pattern=False)


def test_harassment_of_the_creator_ranks_below_someone_in_danger():
    assert safety_priority("harassment", 1.0, by_pattern=False) < safety_priority("crisis", 1.0, by_pattern=False)


SPAM_OVER_SAFETY = {"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.9, "spam_over_safety": 0.8}


def test_a_flagged_comment_the_model_is_sure_is_spam_waits_for_the_owner_as_possibly_spam_never_filed():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.95, "sensitive": 0.05}
    result = decide("I made $3,200 last week from home, search PROFITGRID", probabilities, 0.6, "crisis", thresholds=SPAM_OVER_SAFETY)
    assert (result.category, result.outcome, result.owner_only, result.safety) == ("spam", "needs_human", True, "")
    assert result.labels == ["possibly spam"] and "flagged as crisis" in result.reasons[0]


def test_a_flagged_comment_below_the_spam_over_safety_threshold_stays_a_safety_case():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.79, "sensitive": 0.21}
    result = decide("whatever", probabilities, 0.6, "crisis", thresholds=SPAM_OVER_SAFETY)
    assert (result.category, result.safety, result.outcome) == ("sensitive", "crisis", "needs_human")
    assert result.priority > PRIORITY_BY_CATEGORY[Category.SENSITIVE]


def test_a_possible_minor_at_risk_stays_a_safety_case_however_sure_the_model_is_of_spam():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.99, "sensitive": 0.01}
    result = decide("@lily_2013 hey cutie dm me", probabilities, 0.6, "minor_at_risk", thresholds=SPAM_OVER_SAFETY)
    assert (result.category, result.safety, result.outcome) == ("sensitive", "minor_at_risk", "needs_human")


def test_a_safety_pattern_is_never_taken_for_spam():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.99, "sensitive": 0.01}
    result = decide("check my channel or I will find you", probabilities, 0.0, "threat", thresholds=SPAM_OVER_SAFETY)
    assert (result.category, result.safety, result.outcome) == ("threat", "threat", "needs_human")


def test_the_creators_verdicts_never_take_a_comment_off_the_safety_route():
    from replyqueue.clone.triage import decide

    learned = dict.fromkeys(Category.values, 0.0) | {"spam": 0.99, "sensitive": 0.01}
    result = decide("whatever", learned, 0.6, "crisis", thresholds=SPAM_OVER_SAFETY, trained_spam=0.3)
    assert (result.category, result.safety) == ("sensitive", "crisis")


def test_a_flagged_copy_of_a_comment_the_creator_marked_spam_waits_as_possibly_spam_never_filed():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.3, "threat": 0.7}
    result = decide("hi dear, I am a captain overseas", probabilities, 0.6, "harassment", thresholds=SPAM_OVER_SAFETY, creator_verdict="spam")
    assert (result.category, result.outcome, result.safety, result.safety_doubt) == ("spam", "needs_human", "", "harassment")
    assert result.priority == SPAM_LOOKALIKE_PRIORITY and "like a comment you marked spam" in result.reasons[0]


def test_a_flagged_copy_of_a_comment_marked_spam_stays_a_safety_case_for_a_possible_minor():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.3, "sensitive": 0.7}
    result = decide("@lily_2013 hey cutie dm me", probabilities, 0.6, "minor_at_risk", thresholds=SPAM_OVER_SAFETY, creator_verdict="spam")
    assert (result.category, result.safety) == ("sensitive", "minor_at_risk")


def test_a_copy_of_a_comment_marked_spam_that_a_safety_pattern_matches_stays_a_safety_case():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.3, "threat": 0.7}
    result = decide("I know where you live", probabilities, 0.6, "doxxing", thresholds=SPAM_OVER_SAFETY, creator_verdict="spam")
    assert (result.category, result.safety) == ("threat", "doxxing")


QUESTION_THRESHOLDS = {"safety": 0.5, "no_reply_spam": 0.9, "no_reply_abuse": 0.7, "no_reply_abuse_question": 1.0}


def test_abuse_that_asks_a_question_is_drafted_for_a_person_not_filed():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 0.96, "question": 0.04}
    result = decide("t'es en couple ? 😳", probabilities, 0.0, "none", thresholds=QUESTION_THRESHOLDS)
    assert (result.category, result.outcome, result.labels) == ("abuse", "draft", ["possibly abuse"])
    assert "asks a question" in result.reasons[0]


def test_the_same_abuse_without_a_question_is_filed():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 0.96, "question": 0.04}
    assert decide("t'es nulle 😳", probabilities, 0.0, "none", thresholds=QUESTION_THRESHOLDS).outcome == "no_reply"


def test_a_question_without_a_question_mark_is_not_filed_as_abuse_on_the_models_word():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 0.96, "question": 0.04}
    result = decide("c koi ton appareil stp", probabilities, 0.0, "none", thresholds=QUESTION_THRESHOLDS)
    assert (result.outcome, result.labels) == ("draft", ["possibly abuse"])


@pytest.mark.parametrize("text", ["what an idiot", "Quelle conne", "Abonnez-vous, bande de nuls"])
def test_an_exclamation_or_an_order_is_not_a_question(text):
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"abuse": 0.96, "other": 0.04}
    assert decide(text, probabilities, 0.0, "none", thresholds=QUESTION_THRESHOLDS).outcome == "no_reply"


def test_a_question_threshold_never_files_more_than_the_general_one():
    from replyqueue.clone.triage import decide

    probabilities = dict.fromkeys(Category.values, 0.0) | {"spam": 0.8, "question": 0.2}
    thresholds = QUESTION_THRESHOLDS | {"no_reply_spam_question": 0.5}
    assert decide("free followers? dm me", probabilities, 0.0, "none", thresholds=thresholds).outcome == "draft"


@pytest.mark.parametrize(
    "text, said",
    [
        ("I'm 11 and this is my favourite song!!! <3", (11, "this is my favourite song!!! <3")),
        ("im 15, my parents are splitting up", (15, "my parents are splitting up")),
        ("I’m a 19 year old singer from Leeds", (19, "singer from Leeds")),
        ("j'ai 14 ans et je rappe depuis 2 ans", (14, "je rappe depuis 2 ans")),
        ("age 10 and i watch every day", (10, "i watch every day")),
        ("I'm 5 minutes in and already crying", None),
        ("t'es tellement mature pour 12 ans", None),
        ("j'ai 2 chats et un chien", None),
        ("im only 11 but i can play this on guitar", (11, "i can play this on guitar")),
        ("j'ai que 13 ans mais je chante", (13, "mais je chante")),
        ("j'ai 3 ans d'expérience en montage", None),
        ("j'ai 10 ans de retard sur cette chanson", None),
    ],
)
def test_stated_age_finds_only_the_age_a_writer_gives_for_themselves(text, said):
    assert stated_age(text) == said


def test_a_child_giving_their_age_in_an_ordinary_comment_is_a_young_fan_for_the_owner_not_a_safety_case():
    result = classify("im 12 and i love ur dance videos so much!!")
    assert (result.category, result.safety, result.outcome, result.owner_only) == ("sensitive", "", "needs_human", True)
    assert result.priority == PRIORITY_BY_CATEGORY[Category.SENSITIVE]
    assert YOUNG_FAN in result.labels and "says they are 12" in result.reasons[0]


def test_a_french_child_giving_their_age_is_a_young_fan_too():
    result = classify("J'ai 13 ans et tes tutos m'ont appris à coudre")
    assert (result.category, result.safety, result.labels) == ("sensitive", "", [YOUNG_FAN])


def test_a_child_promoting_their_channel_waits_for_the_owner_as_possibly_spam_never_filed():
    result = classify("I'm 13 and I make slime videos, go check out my channel and subscribe pls")
    assert (result.category, result.safety, result.outcome, result.owner_only) == ("spam", "", "needs_human", True)
    assert result.priority == SPAM_LOOKALIKE_PRIORITY
    assert result.labels == ["possibly spam", YOUNG_FAN]


@pytest.mark.parametrize(
    "text",
    [
        "im 12 and my snap is maya.k2014 add me pls",
        "I'm 14 and my coach keeps texting me at night and asking for photos",
        "j'ai 13 ans et un monsieur m'a demandé mon adresse en commentaire",
    ],
)
def test_a_child_whose_other_words_are_a_risk_stays_a_minor_at_risk(text):
    result = classify(text)
    assert (result.safety, result.outcome, result.owner_only) == ("minor_at_risk", "needs_human", True)
    assert result.priority > PRIORITY_BY_CATEGORY[Category.SENSITIVE]


def test_an_adult_giving_their_age_is_sorted_by_what_they_say():
    result = classify("I'm 30 and I still watch your cartoons every morning")
    assert (result.category, result.safety, result.outcome) == ("praise", "", "draft")
    assert "the safety model flagged only the age it gives (30)" in result.reasons


def test_in_a_batch_each_comment_flagged_for_an_age_is_judged_on_its_own_other_words():
    texts = ["What camera do you use?", "I'm 13 and I make slime videos, go check out my channel and subscribe pls",
             "im 12 and my snap is maya.k2014 add me pls", "im 12 and i love ur dance videos so much!!"]
    results = classify_many(texts)
    assert [(r.category, r.safety, r.labels) for r in results[1:]] == [
        ("spam", "", ["possibly spam", YOUNG_FAN]), ("sensitive", "minor_at_risk", ["safety: minor at risk"]), ("sensitive", "", [YOUNG_FAN]),
    ]
    assert results[0].category == "question"


@pytest.mark.parametrize(
    "text",
    [
        "I'm 30 and I don't see the point of anything anymore",
        "I'm 45, lost my job and my wife left, I can't do this anymore",
        "j'ai 35 ans et je n'en peux plus, personne ne me comprend",
        "I'm 22 and I know what car you drive, see you soon",
    ],
)
def test_an_adult_in_distress_or_threatening_stays_a_safety_case_whatever_age_they_give(text):
    result = classify(text)
    assert result.safety and (result.outcome, result.owner_only) == ("needs_human", True)
