"""Display words for the shared vocabulary: comment categories and states, draft and
publication states, roles and review decisions.

The values (`needs_human`, `edit_approve`, `dead` ...) are API fields, CSS classes and test
anchors, so they never change; pages show `{{ value|label:"kind" }}` instead. In English the
word is the value itself, as pages have always shown it; other languages translate it, with the
kind as the translation context (`pgettext`), since the same word may differ by kind.

A template library, registered in settings as `labels`: `{% load labels %}`.
"""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

WORDS = {
    ("category", "question"): pgettext_lazy("category", "question"),
    ("category", "praise"): pgettext_lazy("category", "praise"),
    ("category", "complaint"): pgettext_lazy("category", "complaint"),
    ("category", "request"): pgettext_lazy("category", "request"),
    ("category", "spam"): pgettext_lazy("category", "spam"),
    ("category", "abuse"): pgettext_lazy("category", "abuse"),
    ("category", "sensitive"): pgettext_lazy("category", "sensitive"),
    ("category", "other"): pgettext_lazy("category", "other"),
    ("platform", "other"): pgettext_lazy("platform", "other"),  # the others are names
    ("comment", "received"): pgettext_lazy("comment status", "received"),
    ("comment", "drafted"): pgettext_lazy("comment status", "drafted"),
    ("comment", "needs_human"): pgettext_lazy("comment status", "needs_human"),
    ("comment", "no_reply"): pgettext_lazy("comment status", "no_reply"),
    ("draft", "pending"): pgettext_lazy("draft status", "pending"),
    ("draft", "approved"): pgettext_lazy("draft status", "approved"),
    ("draft", "rejected"): pgettext_lazy("draft status", "rejected"),
    ("draft", "superseded"): pgettext_lazy("draft status", "superseded"),
    ("publication", "queued"): pgettext_lazy("publication status", "queued"),
    ("publication", "sending"): pgettext_lazy("publication status", "sending"),
    ("publication", "sent"): pgettext_lazy("publication status", "sent"),
    ("publication", "failed"): pgettext_lazy("publication status", "failed"),
    ("publication", "unknown"): pgettext_lazy("publication status", "unknown"),
    ("publication", "dead"): pgettext_lazy("publication status", "dead"),
    ("publication", "cancelled"): pgettext_lazy("publication status", "cancelled"),
    ("role", "owner"): pgettext_lazy("role", "owner"),
    ("role", "assistant"): pgettext_lazy("role", "assistant"),
    ("role", "viewer"): pgettext_lazy("role", "viewer"),
    ("decision", "approve"): pgettext_lazy("decision", "approve"),
    ("decision", "edit_approve"): pgettext_lazy("decision", "edit_approve"),
    ("decision", "reject"): pgettext_lazy("decision", "reject"),
    ("decision", "undo"): pgettext_lazy("decision", "undo"),
    ("decision", "regenerate"): pgettext_lazy("decision", "regenerate"),
}


@register.filter
def label(value, kind: str) -> str:
    """The word a page shows for `value` of `kind`; a value it does not know, as it is."""
    word = WORDS.get((kind, value))
    return str(word) if word is not None else value
