"""The creator's voice: reading it from their own past replies.

`persona_derive` looks at the creator's knowledge of kind "reply" (what they actually wrote back
to fans) and proposes persona values: typical length, greeting, sign-off, emoji habits and
languages. It proposes only what the replies show clearly enough, says what it found, and saves
nothing: the owner reviews the proposal in the voice form and saves it.
"""

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from accounts.models import Creator
from replyqueue.clone.language import detect_language
from replyqueue.clone.models import KnowledgeItem, KnowledgeKind, Persona

# Replies looked at: the newest ones are the best picture of the creator's voice today.
MAX_REPLIES = 5000
MIN_REPLIES = 3
# A habit counts when at least this share of replies shows it (and at least two replies do).
HABIT_SHARE = 0.3
LANGUAGE_SHARE = 0.1

GREETING_WORDS = frozenset(
    """hey heyy hi hii hello hiya yo howdy hola ola ciao hallo hej coucou salut bonjour bonsoir
    cc kikou""".split()
)
# One emoji: a flag (two regional indicators), or a symbol with its variation selector, skin
# tone and zero-width-joined parts ("👩‍💻", "❤️", "👍🏽").
_EMOJI_BASE = "\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a\u231b\u23e9-\u23fa"
EMOJI = re.compile(
    rf"[\U0001f1e6-\U0001f1ff]{{2}}"
    rf"|[{_EMOJI_BASE}][\ufe0f\U0001f3fb-\U0001f3ff]*(?:\u200d[{_EMOJI_BASE}][\ufe0f\U0001f3fb-\U0001f3ff]*)*"
)
_FIRST_WORDS = re.compile(r"\s*([^\W\d_]+)(?:[ \t]+([^\W\d_]+))?")
_STRETCHED = re.compile(r"(\w)\1{2,}")
_TAIL_AFTER_SENTENCE = re.compile(r"[.!?…]\s+(?P<tail>[^.!?…\n]{1,30}[.!?…]?)$")
_TAIL_AFTER_DASH = re.compile(r"\s(?P<tail>[—–~-]+\s*[^\W\d_][^\n]{0,25})$")
_TAIL_KISSES = re.compile(r"(?:^|\s)(?P<tail>(?:x{2,}|xo(?:xo)*x?|<3+))$", re.IGNORECASE)
MAX_SIGNOFF_WORDS = 4


@dataclass
class PersonaDerivation:
    """What the replies support (`fields`, ready for the voice form) and what was found."""

    replies: int
    fields: dict = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


def _supported(count: int, total: int, share: float = HABIT_SHARE) -> bool:
    return count >= 2 and count >= share * total


def _most_common_form(forms: list[str]) -> str:
    return Counter(forms).most_common(1)[0][0]


def derive_greeting(replies: list[str]) -> tuple[str, int]:
    """The most common greeting word the replies open with ("Hey", "Coucou"), extended to two
    words when the second is nearly always the same lowercase word ("Hi there", "Coucou toi");
    a capitalised second word is a fan's name and is left out. Returns (greeting, replies)."""
    openings: dict[str, list[tuple[str, str]]] = {}
    for reply in replies:
        match = _FIRST_WORDS.match(reply)
        if not match:
            continue
        first, second = match.group(1), match.group(2) or ""
        key = _STRETCHED.sub(r"\1", first.casefold())  # "Heyyy" is "hey"
        if key in GREETING_WORDS:
            openings.setdefault(key, []).append((first, second))
    if not openings:
        return "", 0
    key, uses = max(openings.items(), key=lambda kv: len(kv[1]))
    greeting = _most_common_form([first for first, _ in uses])
    seconds = Counter(second for _, second in uses if second and second.islower())
    if seconds:
        second, count = seconds.most_common(1)[0]
        if count >= 0.6 * len(uses) and second.casefold() not in GREETING_WORDS:
            greeting = f"{greeting} {second}"
    return greeting, len(uses)


def _signoff_candidate(reply: str) -> str:
    text = EMOJI.sub("", reply).rstrip()
    lines = text.splitlines()
    if len(lines) > 1 and 0 < len(lines[-1].strip()) <= 30:
        return lines[-1].strip()
    for pattern in (_TAIL_AFTER_DASH, _TAIL_KISSES, _TAIL_AFTER_SENTENCE):
        match = pattern.search(text)
        if match and len(match.group("tail").split()) <= MAX_SIGNOFF_WORDS:
            return " ".join(match.group("tail").split())
    return ""


def derive_signoff(replies: list[str]) -> tuple[str, int]:
    """The closing signature most replies end with: a last short line, a dash and a name
    ("— Mia"), kisses ("xx") or a short closing sentence. Returns (signoff, replies)."""
    candidates = Counter(c for c in map(_signoff_candidate, replies) if c)
    if not candidates:
        return "", 0
    return candidates.most_common(1)[0]


def derive_emoji(replies: list[str]) -> tuple[float, str]:
    """The share of replies with at least one emoji, and the emoji used most often."""
    counts: Counter[str] = Counter()
    with_emoji = 0
    for reply in replies:
        found = EMOJI.findall(reply)
        with_emoji += bool(found)
        counts.update(found)
    favourite = counts.most_common(1)[0][0] if counts else ""
    return round(with_emoji / len(replies), 2) if replies else 0.0, favourite


def derive_languages(replies: list[str]) -> list[str]:
    """Languages at least LANGUAGE_SHARE of the recognisable replies are written in, commonest first."""
    counts = Counter(lang for lang in map(detect_language, replies) if lang)
    total = sum(counts.values())
    return [lang for lang, count in counts.most_common() if count >= max(1, LANGUAGE_SHARE * total)]


def past_replies(creator: Creator, limit: int = MAX_REPLIES) -> list[str]:
    rows = KnowledgeItem.objects.filter(creator=creator, kind=KnowledgeKind.REPLY).order_by("-id")
    return [body for body in rows.values_list("body", flat=True)[:limit] if body.strip()]


def persona_derive(creator: Creator) -> PersonaDerivation:
    """Persona values the creator's past replies support, with a sentence for each finding."""
    replies = past_replies(creator)
    result = PersonaDerivation(replies=len(replies))
    if len(replies) < MIN_REPLIES:
        result.findings.append(
            ngettext(
                "Found %(count)s past reply; at least %(needed)s are needed. Add past replies in Knowledge.",
                "Found %(count)s past replies; at least %(needed)s are needed. Add past replies in Knowledge.",
                len(replies),
            ) % {"count": len(replies), "needed": MIN_REPLIES}
        )
        return result
    total = len(replies)

    length = int(statistics.median(len(r) for r in replies))
    result.fields["typical_length"] = length
    result.findings.append(
        gettext("Median reply length: %(length)s characters (over %(total)s replies).") % {"length": length, "total": total}
    )

    greeting, uses = derive_greeting(replies)
    if greeting and _supported(uses, total):
        result.fields["greeting"] = greeting
        result.findings.append(
            gettext("Greeting: “%(greeting)s” opens %(uses)s of %(total)s replies.")
            % {"greeting": greeting, "uses": uses, "total": total}
        )
    else:
        result.findings.append(gettext("No greeting opens enough replies to call it a habit; greeting left as it is."))

    signoff, uses = derive_signoff(replies)
    if signoff and _supported(uses, total):
        result.fields["signoff"] = signoff
        result.findings.append(
            gettext("Sign-off: “%(signoff)s” closes %(uses)s of %(total)s replies.")
            % {"signoff": signoff, "uses": uses, "total": total}
        )
    else:
        result.findings.append(gettext("No common sign-off found; sign-off left as it is."))

    rate, favourite = derive_emoji(replies)
    result.fields["emoji_rate"] = rate
    if favourite:
        result.fields["favourite_emoji"] = favourite
        result.findings.append(
            gettext("Emoji in %(percent)s of replies; the favourite is %(emoji)s.")
            % {"percent": f"{rate:.0%}", "emoji": favourite}
        )
    else:
        result.findings.append(gettext("No emoji in past replies (emoji rate 0%)."))

    languages = derive_languages(replies)
    if languages:
        result.fields["languages"] = languages
        result.findings.append(gettext("Languages: %(languages)s.") % {"languages": ", ".join(languages)})
    else:
        result.findings.append(gettext("Could not recognise the replies' language; languages left as they are."))
    return result


def persona_get(creator: Creator) -> Persona:
    persona, _ = Persona.objects.get_or_create(creator=creator, defaults={"display_name": creator.name})
    return persona
