"""Sorting a comment before the clone drafts anything: category, language, priority, reasons.

Built-in rules cover what appears under every creator's videos; the creator's own community
rules (see rules.py) run first and can override them.
"""

import re
from dataclasses import dataclass, field

from replyqueue.clone.text import clean, detect_language, fold, has_letters_or_digits
from replyqueue.comments.models import Category

URL = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(com|net|org|io|ly|gg|co|me|xyz|shop|link|fr)\b(/\S*)?", re.I)

SPAM_PATTERNS = [
    (re.compile(p, re.I), reason)
    for p, reason in [
        (r"\b(check|visit|watch|see)\s+(out\s+)?(my|our)\s+(channel|page|profile|videos?|content|insta|bio)\b", "self-promotion"),
        (r"\bsub(scribe)?\s*(to|2)\s*(me|my)\b|\bsub\s*4\s*sub\b|\bfollow\s*(4|for)\s*follow\b", "self-promotion"),
        (r"\b(abonne[zs]?[- ]?(toi|vous)|abonnez[- ]vous)\s+(a|à)\s+(ma|mon)\b|\bva(s|z)? voir ma cha[iî]ne\b", "self-promotion"),
        (r"\b(crypto|bitcoin|btc|eth|forex|nft|binary options?|investment platform)\b", "crypto / investment pitch"),
        (r"\b(whats\s?app|telegram)\b.{0,40}(\+?\d[\d\s-]{6,}|me|us)\b", "off-platform contact"),
        (r"\b(giveaway|you('ve| have)? won|claim your (prize|gift)|free (iphone|gift ?card|followers))\b", "giveaway scam"),
        (r"\b(make|earn)\s+\$?\d+[k]?\s*(a|per)\s*(day|week|hour)\b", "money-making scheme"),
        (r"\b(dm|message) me (for|to)\b.{0,30}\b(promo|collab|promotion|shoutout|earn)\b", "promotion offer"),
        (r"\b(promote|promotion|shoutout) (your|ton|votre) (channel|chaine|chaîne)\b", "promotion offer"),
        (r"\b(hot|sexy) (girls?|singles?)\b|\bonlyfans\b", "adult spam"),
    ]
]

ABUSE_PATTERNS = [
    (re.compile(p, re.I), reason)
    for p, reason in [
        (r"\b(idiot|stupid|moron|loser|dumb ?ass|retard(ed)?|trash|pathetic|ugly|fat ?ass|clown)\b", "insult"),
        (r"\b(fuck|f\*ck|fck|shit|bitch|cunt|whore|slut|asshole|dick)\b", "profanity aimed at someone"),
        (r"\b(con(ne)?|connard|connasse|salope|pute|encul[ée]|abruti|débile|debile|nul(le)?\s+à\s+chier|ta gueule|ferme[- ]la)\b", "insult"),
        (r"\b(kill yourself|kys|go die|hope you die|crève|creve)\b", "harassment"),
        (r"\b(go back to your country|sale (arabe|noir|juif)|dirty (jew|muslim|immigrant))\b", "hate"),
        (r"\b(nobody (likes|cares about) you|you should quit|unsubscribing)\b", "harassment"),
    ]
]

SENSITIVE_PATTERNS = [
    (re.compile(p, re.I), reason)
    for p, reason in [
        (r"\b(suicid\w*|kill myself|end (it all|my life)|want to die|self[- ]harm|cutting myself|me suicider|en finir|envie de mourir|me faire du mal)\b", "self-harm or crisis"),
        (r"\b(depress\w*|panic attacks?|anxiety|anxieux|anxieuse|d[ée]prim\w*|burn[- ]?out)\b", "mental health"),
        (r"\b(diagnos\w*|cancer|pregnan\w*|enceinte|medication|m[ée]dicament|doctor said|my therapist|chemo)\b", "medical"),
        (r"\b(lawyer|lawsuit|sue you|legal action|avocat|proc[eè]s|copyright strike|dmca)\b", "legal"),
        (r"\b(can'?t pay (my )?rent|lost my job|in debt|bankrupt|endett[ée]|perdu mon (travail|emploi)|plus d'argent)\b", "money trouble"),
        (r"\b(i'?m|i am|j'ai)\s+(1[0-3]|[5-9])\s*(years? old|yo|ans)\b", "a minor"),
        (r"\b(abused|abuse at home|he hits me|harcel[ée]e?|bullied|harassed)\b", "a fan in distress"),
    ]
]

QUESTION_WORDS = re.compile(
    r"^\s*(what|which|when|where|who|why|how|is|are|do|does|did|can|could|will|would|should|have|has|"
    r"quel(le)?s?|quand|où|ou|comment|pourquoi|combien|qui|est[- ]ce|tu|vous|c'est quoi|y a[- ]t[- ]il)\b",
    re.I,
)
PRAISE = re.compile(
    r"\b(love|loved|amazing|awesome|great|best|beautiful|incredible|thank(s| you)|merci|g[ée]nial|"
    r"trop bien|magnifique|bravo|j'adore|adore|super|top|incroyable|❤️|😍|🔥|👏)",
    re.I,
)
COMPLAINT = re.compile(
    r"\b(disappointed|worst|broken|doesn'?t work|didn'?t work|refund|never arrived|still waiting|scam|"
    r"d[ée][çc]u|rembours\w*|toujours pas re[çc]u|ne marche pas|marche pas|arnaque|nul)\b",
    re.I,
)
REQUEST = re.compile(
    r"\b(please (make|do|show|review|try)|can you (make|do|show|review|try)|could you (make|do|show)|"
    r"next video|do a video|make a video|tu peux faire|fais une vid[ée]o|prochaine vid[ée]o|r[ée]agis)\b",
    re.I,
)

MAX_PRIORITY = 100


@dataclass
class Triage:
    category: str
    language: str
    priority: int
    reasons: list[str] = field(default_factory=list)
    outcome: str = "draft"  # draft | no_reply | needs_human
    owner_only: bool = False
    rule: str = ""


def _first_match(patterns, text: str) -> str | None:
    for pattern, reason in patterns:
        if pattern.search(text):
            return reason
    return None


def classify(text: str) -> Triage:
    """Built-in rules on the cleaned text (homoglyphs folded, invisible characters removed)."""
    visible = clean(text)
    folded = fold(text)
    language = detect_language(visible)
    if not has_letters_or_digits(visible):
        return Triage(Category.PRAISE if PRAISE.search(visible) else Category.OTHER, language, 10, ["emoji or symbols only"])
    if reason := _first_match(SENSITIVE_PATTERNS, visible) or _first_match(SENSITIVE_PATTERNS, folded):
        return Triage(Category.SENSITIVE, language, 90, [f"sensitive: {reason}"], "needs_human", owner_only=True)
    if reason := _first_match(SPAM_PATTERNS, folded):
        return Triage(Category.SPAM, language, 0, [f"spam: {reason}"], "no_reply")
    if URL.search(visible) and not QUESTION_WORDS.search(folded):
        return Triage(Category.SPAM, language, 0, ["spam: link in comment"], "no_reply")
    if reason := _first_match(ABUSE_PATTERNS, folded):
        return Triage(Category.ABUSE, language, 5, [f"abuse: {reason}"], "no_reply")
    if COMPLAINT.search(folded):
        return Triage(Category.COMPLAINT, language, 70, ["complaint wording"])
    if "?" in visible or QUESTION_WORDS.search(folded):
        return Triage(Category.QUESTION, language, 60, ["asks a question"])
    if REQUEST.search(folded):
        return Triage(Category.REQUEST, language, 40, ["asks for something"])
    if PRAISE.search(visible):
        return Triage(Category.PRAISE, language, 20, ["praise wording"])
    return Triage(Category.OTHER, language, 30, ["no clear category"])
