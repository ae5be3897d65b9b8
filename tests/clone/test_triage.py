import pytest

from replyqueue.clone.triage import classify


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
        ("je suis enceinte et j'ai peur", "sensitive"),
        ("The audio is awful, I can't hear you", "complaint"),
        ("Please make a video about Japan", "request"),
        ("2:34 😂", "other"),
    ],
)
def test_it_sorts_typical_comments(text, category):
    assert classify(text).category == category


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


def test_an_rtl_override_does_not_hide_a_link():
    assert classify("visit \u202emoc.\u202c www.cheap-coins.xyz").category == "spam"


def test_ten_thousand_emoji_are_praise_and_fast():
    assert classify("🔥" * 10_000).category == "praise"


def test_html_and_markdown_are_ignored_for_sorting():
    assert classify("<b>**What lens**</b> do you use?").category == "question"


def test_every_result_carries_a_language_priority_and_reasons():
    result = classify("Quelle caméra utilises-tu ?")
    assert result.language == "fr"
    assert result.priority > 0
    assert result.reasons


def test_the_seed_model_labels_distress_the_rules_miss_as_possibly_sensitive():
    from replyqueue.clone.triage_pipeline import POSSIBLY_SENSITIVE, triage_comment

    text = "honestly everything feels pointless lately and your videos are all I look forward to"
    assert classify(text).category != "sensitive"
    result = triage_comment(text)
    assert POSSIBLY_SENSITIVE in result.labels
    assert result.outcome == "draft" and result.priority >= 80


def test_ordinary_comments_are_not_labelled_possibly_sensitive():
    from replyqueue.clone.triage_pipeline import POSSIBLY_SENSITIVE, triage_comment

    for text in ("What camera do you use?", "Loved the Lisbon video!", "Please make a video about Japan"):
        assert POSSIBLY_SENSITIVE not in triage_comment(text).labels
