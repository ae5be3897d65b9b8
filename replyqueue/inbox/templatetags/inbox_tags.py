from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def highlight_flags(text: str, flags: list[dict]) -> SafeString:
    """The draft text, escaped, with each facts-guard violation wrapped in <mark>."""
    pieces: list[str] = []
    cursor = 0
    for flag in sorted(flags or [], key=lambda f: f["start"]):
        start, end = flag["start"], flag["end"]
        if start < cursor or end > len(text):
            continue
        pieces.append(conditional_escape(text[cursor:start]))
        pieces.append(
            format_html(
                '<mark class="flag" title="{}">{}</mark>',
                _("Not found in the sources: %(kind)s") % {"kind": flag["kind"]}, text[start:end],
            )
        )
        cursor = end
    pieces.append(conditional_escape(text[cursor:]))
    return mark_safe("".join(pieces))


@register.filter
def percent(value: float) -> str:
    return f"{round((value or 0) * 100)}%"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def word_diff(before: str, after: str) -> SafeString:
    """Word-level diff of two texts, escaped, with <del>/<ins> around what changed."""
    import difflib

    old, new = (before or "").split(), (after or "").split()
    pieces: list[str] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(conditional_escape(" ".join(old[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(format_html("<del>{}</del>", " ".join(old[a1:a2])))
        if b2 > b1:
            pieces.append(format_html("<ins>{}</ins>", " ".join(new[b1:b2])))
    return mark_safe(" ".join(pieces))


@register.simple_tag
def query_url(query, **changes) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(query.params(**changes))


@register.simple_tag
def drafter_abilities():
    """What the configured drafter can do on a redraft (the card shows only what works)."""
    from replyqueue.clone.services import drafter_abilities as abilities

    return abilities()
