"""The facts guard: every checkable claim in a draft must be found in its sources or the persona.

A claim is a number, price, date, time, URL, @handle, capitalised name, a promise or a personal
claim about the creator's life (a divorce, a pregnancy, an illness, a death in the family: EN
and FR). A draft with a claim found nowhere in what it rests on is never shown as routine.
Only what the creator wrote grounds a claim: callers pass the creator's words, never the fan's
comment or the fan's name as given (see services.grounding_for).
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


# Personal claims about the creator's life: (pattern, stems that must appear in the grounding for
# the claim to be supported). Matched on the folded text (lowercase, no accents).
_ME = r"(?:i(?:'|’)?m|i am|i have|i've|i(?:'|’)?ve|we(?:'|’)?re|we are|we have|we've|my|our|je suis|j(?:'|’)ai|on est|nous sommes|on va|nous allons|ma|mon|mes)"
PERSONAL_PATTERNS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"\b(?:getting |got |are |is )?divorc\w*|\bdivorcer\b|\bon divorce\b|\bsplit(?:ting)? up\b|\bbroke up\b|\bseparat(?:ed|ing)\b|\bsepares?\b|\bon se separe\b"), ("divorc", "split", "broke up", "separ")),
    (re.compile(rf"\b{_ME}\s+(?:\w+\s+)?(?:pregnant|expecting a baby|enceinte)\b|\bpregnant\b|\benceinte\b|\bexpecting a baby\b|\battend(?:s|ons)? un bebe\b"), ("pregnan", "enceinte", "bebe", "baby")),
    (re.compile(rf"\b{_ME}\s+(?:\w+\s+)?(?:cancer|sick|ill|malade|depressed|depression|burn-?out)\b|\b(?:have|got|j'ai|j’ai) (?:a |un )?(?:cancer|tumou?r)\b"), ("cancer", "sick", "ill", "malade", "depress", "burn", "tumo")),
    (re.compile(r"\b(?:my|our|ma|mon|mes|notre)\s+(?:\w+\s+)?(?:mom|mum|mother|dad|father|parents?|brother|sister|grand\w*|mere|pere|frere|soeur|chien|dog|cat|chat)\s+(?:\w+\s+)?(?:passed away|died|is dying|est decede\w*|est mort\w*|nous a quitte\w*)\b"), ("passed away", "died", "dying", "decede", "mort", "quitte")),
    (re.compile(rf"\b{_ME}\s+(?:\w+\s+)?(?:getting married|engaged|fiance\w*|se marie\w*|nous marier|marier)\b|\bgot married\b|\bon se marie\b"), ("marri", "engaged", "fiance", "marie", "marier")),
    (re.compile(rf"\b{_ME}\s+(?:\w+\s+)?(?:moving to|quitting|retiring|demenag\w*|arrete\w* (?:youtube|les videos))\b"), ("moving", "quit", "retir", "demenag", "arret")),
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


def _personal(text: str, grounding: str) -> list[Violation]:
    """Personal claims of `text` that the grounding (folded) says nothing of. The folded text
    keeps the original's length for these characters, so spans point into the original."""
    folded = fold(text)
    if len(folded) != len(text):
        folded = "".join(fold(c)[:1] or " " for c in text)
    found = []
    for pattern, stems in PERSONAL_PATTERNS:
        matches = list(pattern.finditer(folded))
        if not matches or any(re.search(rf"\b{re.escape(stem)}", grounding) for stem in stems):
            continue
        found += [Violation("personal", match.start(), match.end(), text[match.start() : match.end()]) for match in matches]
    return found


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
    for claim in _personal(draft_text, haystack):
        if not any(v.start < claim.end and claim.start < v.end and v.kind == "personal" for v in found):
            found.append(claim)
    for name in unsupported_names:
        for match in re.finditer(rf"\b{re.escape(name)}\b", draft_text):
            if not any(v.start <= match.start() < v.end for v in found):
                found.append(Violation("person", match.start(), match.end(), match.group()))
    return sorted(found, key=lambda v: v.start)
