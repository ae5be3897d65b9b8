from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

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
            format_html('<mark class="flag" title="Not found in the sources: {}">{}</mark>', flag["kind"], text[start:end])
        )
        cursor = end
    pieces.append(conditional_escape(text[cursor:]))
    return mark_safe("".join(pieces))


@register.filter
def percent(value: float) -> str:
    return f"{round((value or 0) * 100)}%"
