"""Reasons are stored in English for the API and shown in the reader's language on the pages."""

from django.utils import translation

from replyqueue.core.explain import Reason, label_shown, shown, stored


def test_a_reason_is_its_english_sentence():
    reason = Reason("%(category)s: the model is %(percent)s sure", category="spam", percent="97%")
    assert reason == "spam: the model is 97% sure"
    assert isinstance(reason, str)


def test_a_stored_reason_is_shown_in_french_with_its_product_words_translated():
    reason = Reason("%(category)s: the model is %(percent)s sure; the owner sees it first", category="threat", percent="88%")
    with translation.override("fr"):
        assert shown(reason, stored(reason)) == "menace : le modèle en est sûr à 88% ; le propriétaire le voit en premier"


def test_a_creators_own_words_in_a_reason_are_never_translated():
    reason = Reason("rule '%(rule)s': labelled %(rule_label)s", rule="spam", rule_label="French")
    with translation.override("fr"):
        assert shown(reason, stored(reason)) == "règle « spam » : étiqueté French"
        reason = Reason("a topic you never engage on: %(topic)s (%(how)s)", topic="threat", how=Reason("words: %(words)s", words="threat"))
        assert shown(reason, stored(reason)) == "un sujet que vous n'abordez jamais : threat (mots : threat)"


def test_a_reason_replaced_since_by_a_plain_sentence_is_shown_as_stored():
    kept = stored(Reason("Nothing the creator has said answers this comment."))
    with translation.override("fr"):
        assert shown("Drafting failed: timeout", kept) == "Drafting failed: timeout"
        assert shown("Drafting failed: timeout", None) == "Drafting failed: timeout"


def test_safety_labels_are_translated_and_rule_labels_are_not():
    with translation.override("fr"):
        assert label_shown("safety: self harm") == "sécurité : automutilation"
        assert label_shown("possibly spam") == "peut-être du spam"
        assert label_shown("VIP fan") == "VIP fan"
