"""Reasons people read, in their own language.

Triage, the drafters and the inbox explain what they decided ("spam: the model is 97% sure").
The API, the logs and the stored `reason` / `reasons` fields keep those sentences in English,
whoever caused them; the web pages show them in the reader's language. So a reason is made from
a template (an English msgid, translated in locale/) and its parameters: a `Reason` is the
English sentence itself (a str, so everything that stores, compares or slices reasons works as
before) that also remembers how it was made, and `as_stored` / `in_language` turn it into JSON
and back into a sentence in the active language.

Parameters named in VOCABULARY hold the product's own words (a category, a safety kind, a label,
a language) and are translated too; every other parameter (a rule's name, a topic, a
percentage) is shown as it is. A parameter may itself be a Reason.
"""

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext


class Reason(str):
    template: str
    params: dict

    def __new__(cls, template: str, **params):
        reason = super().__new__(cls, template % params if params else template)
        reason.template, reason.params = template, params
        return reason

    def as_stored(self) -> list:
        """JSON: [template, params], nested reasons as the same pair."""
        return [self.template, {k: v.as_stored() if isinstance(v, Reason) else v for k, v in self.params.items()}]


def stored(reason: str) -> list | None:
    """What to keep beside an English reason so pages can translate it (None for a plain string)."""
    return reason.as_stored() if isinstance(reason, Reason) else None


def clipped(reason: str, limit: int) -> str:
    """The reason cut to fit a field; a cut Reason is a plain string (its template no longer matches)."""
    return reason if len(reason) <= limit else str(reason)[:limit]


# Product words that appear inside reasons: marked here so makemessages collects them.
WORDS = frozenset((
    gettext_noop("threat"), gettext_noop("doxxing"), gettext_noop("harassment"), gettext_noop("self harm"),
    gettext_noop("crisis"), gettext_noop("minor at risk"), gettext_noop("possibly spam"), gettext_noop("possibly abuse"),
    gettext_noop("possibly sensitive"), gettext_noop("sorted by your marks"), gettext_noop(" with a link"), gettext_noop("young fan"),
    gettext_noop("English"), gettext_noop("French"),
))


SAFETY_LABEL = gettext_noop("safety: %(kind)s")


def _word(value: str) -> str:
    return gettext(value) if value in WORDS else value


def label_shown(label: str) -> str:
    """A comment's label in the reader's language; a creator's own label (from a rule) as it is."""
    prefix = SAFETY_LABEL.split("%")[0]
    if label.startswith(prefix):
        return gettext(SAFETY_LABEL) % {"kind": _word(label[len(prefix):])}
    return _word(label)


VOCABULARY = {
    "category": lambda value: pgettext("category", value),
    "kind": _word,
    "label": _word,
    "link": _word,
    "language": _word,
    "fan_language": _word,
}


def in_language(template: str, params: dict) -> str:
    """The stored reason [template, params] as a sentence in the active language."""
    shown = {}
    for key, value in params.items():
        if isinstance(value, list) and len(value) == 2 and isinstance(value[1], dict):
            shown[key] = in_language(*value)
        elif key in VOCABULARY and isinstance(value, str):
            shown[key] = VOCABULARY[key](value)
        else:
            shown[key] = value
    try:
        return gettext(template) % shown if shown else gettext(template)
    except (KeyError, TypeError, ValueError):  # a translation that lost a parameter: the English is still right
        return template % params if params else template


def shown(english: str, kept: list | None) -> str:
    """The sentence a page shows: the kept template in the reader's language when it still says
    what the stored English says (a later plain update may have replaced it), else the English."""
    if not kept:
        return english
    template, params = kept
    with translation.override(None):  # no catalogue: the English it was made from
        same = in_language(template, params) == english
    return in_language(template, params) if same else english
