"""The facts guard: every checkable claim in a draft must be found in its sources or the persona.

A claim is a number, price, date, time, URL, @handle, capitalised name or a promise. A draft
with a claim found nowhere in what it rests on is never shown as routine.
"""

import re
from dataclasses import asdict, dataclass

from replyqueue.clone.text import fold

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|novembre|decembre|décembre"
)
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"

CLAIM_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("url", re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+|\b[\w-]+\.(?:com|net|org|io|ly|gg|co|me|shop|fr|tv)\b(?:/[^\s)\]>\"']*)?", re.I)),
    ("handle", re.compile(r"(?<![\w.])@[A-Za-z0-9_.]{2,30}")),
    ("price", re.compile(r"[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:€|\$|£|eur\b|euros?\b|dollars?\b|usd\b)", re.I)),
    ("time", re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}h(?:\d{2})?\b", re.I)),
    ("date", re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:{MONTHS})|(?:{MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?)\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\b(?:{WEEKDAYS})\b|\b(?:tomorrow|tonight|next (?:week|month|year)|demain|ce soir|la semaine prochaine)\b", re.I)),
    ("number", re.compile(r"\b\d+(?:[.,]\d+)?%?")),
    ("promise", re.compile(r"\b(?:i(?:'|’)?ll|i will|i am going to|i'm going to|we(?:'|’)?ll|we will)\s+(?:send|ship|give|gift|dm|message|call|meet|pay|refund|post|upload|release|announce|make|do|add)\b|\bi promise\b|\bje (?:vais|t'|te|vous) ?(?:t'|vous )?(?:envoie|envoyer|offrir|offre|donner|rembourser|appeler)\b|\bpromis\b", re.I)),
    ("name", re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z0-9]+(?:[ -][A-Z0-9][a-zA-Z0-9]*)*\b|\b[A-Za-z]+\d+[A-Za-z0-9]*\b")),
]


@dataclass(frozen=True)
class Violation:
    kind: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


def _claims(text: str) -> list[Violation]:
    found: list[Violation] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in CLAIM_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue  # already part of a more specific claim (a price's number, a URL's name)
            taken.append((start, end))
            found.append(Violation(kind, start, end, match.group()))
    return sorted(found, key=lambda v: v.start)


def _supported(claim: Violation, grounding: str) -> bool:
    needle = fold(claim.text).strip(" .,!?")
    if claim.kind == "promise":
        return needle in grounding
    if claim.kind == "name":
        return needle in grounding or needle.split()[0] in grounding.split()
    return needle in grounding


def check(draft_text: str, grounding: list[str], unsupported_names: set[str] = frozenset()) -> list[Violation]:
    """The claims in `draft_text` that none of the grounding texts (sources, persona) contain,
    plus every mention of `unsupported_names` (other people: no source can support those)."""
    haystack = " ".join(fold(g) for g in grounding if g)
    found = [claim for claim in _claims(draft_text) if not _supported(claim, haystack)]
    for name in unsupported_names:
        for match in re.finditer(rf"\b{re.escape(name)}\b", draft_text):
            if not any(v.start <= match.start() < v.end for v in found):
                found.append(Violation("person", match.start(), match.end(), match.group()))
    return sorted(found, key=lambda v: v.start)
