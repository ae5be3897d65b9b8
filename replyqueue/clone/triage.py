"""Sorting a comment before the clone drafts anything: category, language, priority, reasons.

The category and the safety call come from the trained models (triage_model.py, trained by
`manage.py train_triage` on datasets/triage_train*.jsonl). A few high-precision patterns remain,
only where they add recall on safety (threats, doxxing, self-harm said outright, in English and
French). What the creator taught (learning.py), their topics to avoid and their community rules
refine the result in triage_pipeline.py.

Outcomes: threats and safety cases go to the owner first (needs_human, owner_only, priority 100),
never to no_reply; sensitive comments go to the owner; business comments are owner-only and drafted
only from what the creator said about such requests (never routine; with nothing to draft from they
wait for the owner); a flagged comment the trained model is sure is spam, or that nearly copies a
comment the creator marked spam, waits for the owner as "possibly spam" instead of at the top (never a
possible minor, never a pattern, never filed); spam and abuse go to
no_reply only when the model is at least as sure as the threshold chosen for 98% precision in
cross-validation (a comment that asks a question has its own), otherwise they are drafted and labelled "possibly spam" / "possibly abuse" (never
routine: an owner decides).
"""

import re
from dataclasses import dataclass, field

from replyqueue.clone.language import detect_language
from replyqueue.clone.text import clean, fold, has_letters_or_digits, unspace
from replyqueue.clone.triage_model import Scores, get_model, safety_scores
from replyqueue.comments.models import Category
from replyqueue.core.explain import SAFETY_LABEL, Reason

URL = re.compile(
    r"(https?://|www\.)\S+|\b[\w-]+\s?\.\s?(com|net|org|io|ly|gg|co|me|xyz|shop|link|fr|site|live|win|work|club|online|store|studio|app|biz|info)\b(/\S*)?",
    re.I,
)

# A sentence that opens with an interrogative, in English or French (on folded text); not "what a ...", which
# exclaims, nor "quel(le)", which opens as many French insults ("quelle conne") as questions.
INTERROGATIVE = re.compile(
    r"(?:^|[.!\n]\s*)(?:what(?!\s+an?\b)|whats|what's|wat|how|where|when|why|which|who|whose"
    r"|c'?est quoi|c quoi|c koi|koi|quoi|comment|pourquoi|pk|pq|quand|ou|combien|est[- ]ce qu|\w+-(?:tu|t-il|t-elle))\b"
)
POSITIVE_EMOJI = re.compile(r"❤|😍|🔥|👏|🙌|💯|🥰|🤩|💕|💖|👌|😘|♥")


def _patterns(*pairs: tuple[str, str]) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p, re.I), kind) for p, kind in pairs]


# High-precision safety patterns on folded text: each adds recall where a missed case costs most.
SAFETY_PATTERNS = _patterns(
    (r"\b(i|we) know where you (live|sleep|work|film|park|go to school)\b|\b(je|on) sais? (ou|a quelle adresse) (tu (habites|vis|dors|bosses|travailles)|t'?habites|t'?es)\b"
     r"|\b(find|found|got|have|leak\w*|post\w*) (out )?(where you live|your (home )?address)\b|\b(trouve|retrouve|balance|leak)\w* ton adresse\b", "doxxing"),
    (r"\b(i'?m|i am|gonna|going to|i'?ll|i will|imma) (come (for|after) you|find you|kill you|hurt you|stab you|shoot you|beat you)\b"
     r"|\bje vais te (tuer|buter|retrouver|trouver|defoncer|planter|crever)\b|\bon va te (retrouver|trouver|tuer|buter|defoncer)\b", "threat"),
    (r"\b(kill(ing)? myself|end(ing)? my life|want to die|wanna die|suicid\w*|no reason to live|better off without me|cut(ting)? myself)\b"
     r"|\b(me suicider|me tuer|en finir( avec la vie)?|envie de mourir|plus envie de vivre|me faire du mal|me scarifier)\b", "self_harm"),
)
SAFETY_CATEGORY = {
    "threat": Category.THREAT, "doxxing": Category.THREAT, "harassment": Category.THREAT,
    "self_harm": Category.SENSITIVE, "crisis": Category.SENSITIVE, "minor_at_risk": Category.SENSITIVE,
}
TOP_PRIORITY = {"threat", "doxxing", "self_harm", "crisis", "minor_at_risk"}
MAX_PRIORITY = 100
SAFETY_PRIORITY_FLOOR = 91  # above sensitive comments (90) and everything else but threats
PRIORITY_BY_CATEGORY = {
    Category.THREAT: 100, Category.SENSITIVE: 90, Category.BUSINESS: 75, Category.COMPLAINT: 70,
    Category.QUESTION: 60, Category.REQUEST: 40, Category.OTHER: 30, Category.PRAISE: 20, Category.ABUSE: 5,
    Category.SPAM: 0,
}
FILED = (Category.SPAM, Category.ABUSE)
POSSIBLY = {Category.SPAM: "possibly spam", Category.ABUSE: "possibly abuse"}
POSSIBLY_SENSITIVE = "possibly sensitive"
POSSIBLY_SENSITIVE_AT = 0.35  # P(sensitive) + P(threat) from which a drafted comment is never routine
# Bot spam (romance scams, "private pics", get-rich offers) can alarm the safety model. Such a comment leaves the
# safety route when the trained category head is at least thresholds["spam_over_safety"] sure it is spam (chosen
# by train_triage above every real safety case of cross-validation); it then waits for the owner, never filed.
# Never for a possible minor: grooming reads like bot spam ("hey cutie dm me", P(spam) up to 0.92 in CV).
NEVER_SPAM_KINDS = ("minor_at_risk",)
SPAM_LOOKALIKE_PRIORITY = 50  # below questions (60), above everything drafted as routine
# A writer's own age: "I'm 11 and ...", "im only 12 but ...", "I'm a 19 year old ...", "j'ai 14 ans ...", "age 10 ..."
# (not a duration: "j'ai 3 ans d'expérience").
# Nearly every minor-at-risk training row begins with an age, so both heads read an age alone as a risk
# ("I'm 11 and this is my favourite song": safety score 0.48, the same words without the age 0.001).
STATED_AGE = re.compile(
    r"\b(?:i'?m|i am)\s+(?:a\s+|only\s+|just\s+)?(?P<age>\d{1,2})(?:\s*(?:years?[\s-]old|yo|y/o|ans)\b|(?=\s*(?:[,.!?;:)]|and\b|but\b|et\b|btw\b|$)))"
    r"|\bj'?\s?ai\s+(?:que\s+|seulement\s+)?(?P<age_fr>\d{1,2})\s*ans\b(?!\s*(?:de\b|d'))|^\s*age\s+(?P<age_start>\d{1,2})\b",
    re.I,
)
_AFTER_AGE = re.compile(r"^\s*(?:,|and\b|but\b|et\b|btw\b)?\s*", re.I)
ADULT_AGE = 18
# The words without the age must score below this share of the safety threshold: a child sharing contact details
# is still a risk once the age is left out (lowest such training case without its age: 0.16, against 0.092).
AGE_ALONE_SHARE = 0.5
YOUNG_FAN = "young fan"


@dataclass
class Triage:
    category: str
    language: str
    priority: int
    reasons: list[str] = field(default_factory=list)
    outcome: str = "draft"  # draft | no_reply | needs_human
    owner_only: bool = False
    rule: object = None  # the CommunityRule that decided, if any
    labels: list[str] = field(default_factory=list)
    safety: str = ""  # threat, doxxing, harassment, self_harm, crisis, minor_at_risk, or ""
    safety_doubt: str = ""  # the kind the safety model flagged in a comment that reads as spam (never filed)
    probabilities: dict = field(default_factory=dict)  # the category head's view (after learning)


def safety_pattern(text: str) -> str:
    """The safety kind a high-precision pattern sees in the text, or ""."""
    folded = unspace(fold(text)).replace("’", "'")
    for pattern, kind in SAFETY_PATTERNS:
        if pattern.search(folded):
            return kind
    return ""


def safety_priority(kind: str, safety_score: float, *, by_pattern: bool) -> int:
    """Safety cases sit above every other comment but a threat call (91 to 100); among them a clear pattern and the
    model's surest calls come first (on triage_fresh and triage_struggles, 76 % of the upper half
    of the flagged comments by score are real cases, 42 % of the lower half), and harassment of the
    creator below the kinds where someone may be in danger."""
    priority = MAX_PRIORITY if by_pattern else SAFETY_PRIORITY_FLOOR + round((MAX_PRIORITY - SAFETY_PRIORITY_FLOOR) * min(safety_score, 1.0))
    return priority if kind in TOP_PRIORITY else min(priority, 95)


def asks_question(text: str) -> bool:
    """A question mark, or a sentence that opens with an interrogative ("c koi ton appareil stp", "how do
    you edit your videos"); "what a ..." exclaims."""
    visible = clean(text)
    return "?" in visible or bool(INTERROGATIVE.search(fold(visible).replace("’", "'")))


def no_reply_threshold(category: str, text: str, thresholds: dict[str, float]) -> float:
    """How sure the model must be to file a comment of this category. A comment that asks a question
    has its own threshold (train_triage): the training data has almost no abuse that asks one, so
    cross-validation cannot show the model precise enough to file such a comment alone."""
    general = thresholds[f"no_reply_{category}"]
    return max(general, thresholds.get(f"no_reply_{category}_question", general)) if asks_question(text) else general


def reads_as_spam(kind: str, trained_spam: float, thresholds: dict[str, float]) -> bool:
    """Whether a comment the safety model flagged is bot spam instead (see NEVER_SPAM_KINDS)."""
    return kind not in NEVER_SPAM_KINDS and trained_spam >= thresholds.get("spam_over_safety", 2.0)


def copies_marked_spam(kind: str, creator_verdict: str) -> bool:
    """Whether a comment the safety model flagged nearly copies one the creator marked spam: a raid of the
    same bot then waits as possibly spam (bulk-clearable) instead of filling the top of the queue."""
    return kind not in NEVER_SPAM_KINDS and creator_verdict == Category.SPAM


def spam_lookalike(language: str, kind: str, safety_score: float, trained_spam: float, probabilities: dict, *,
                   copied: bool = False) -> Triage:
    """A flagged comment that reads as spam, or copies one the creator marked spam: the owner decides,
    at a middle priority, never filed."""
    if copied:
        why = Reason(
            "possibly spam: like a comment you marked spam, but the safety model flagged it as %(kind)s (%(safety)s); it waits for the owner, never filed",
            kind=kind.replace("_", " "), safety=_percent(safety_score),
        )
    else:
        why = Reason(
            "possibly spam (%(percent)s) that the safety model flagged as %(kind)s (%(safety)s); it waits for the owner, never filed",
            percent=_percent(trained_spam), kind=kind.replace("_", " "), safety=_percent(safety_score),
        )
    return waits_as_possibly_spam(language, why, probabilities, safety_doubt=kind)


def waits_as_possibly_spam(language: str, why: Reason, probabilities: dict, *, safety_doubt: str = "", labels: tuple = ()) -> Triage:
    """Spam that waits for the owner at a middle priority, never filed (a flagged bot, a young fan's promotion)."""
    return Triage(
        Category.SPAM, language, SPAM_LOOKALIKE_PRIORITY, [why], "needs_human", owner_only=True,
        labels=[POSSIBLY[Category.SPAM], *labels], safety_doubt=safety_doubt, probabilities=probabilities,
    )


def stated_age(text: str) -> tuple[int, str] | None:
    """The age the writer gives for themselves, and the comment without that statement; None if they give none."""
    text = text.replace("’", "'")
    match = STATED_AGE.search(text)
    if match is None:
        return None
    age = int(match.group("age") or match.group("age_fr") or match.group("age_start"))
    rest = text[: match.start()] + " " + _AFTER_AGE.sub("", text[match.end() :], count=1)
    return age, rest.strip()


@dataclass
class WithoutAge:
    """A comment the safety model alone flagged whose writer gives their own age: the age, and the
    comment's other words as the models see them (row `row` of `scores`)."""

    age: int
    rest: str
    scores: Scores
    row: int


def flagged_with_an_age(texts: list[str], scores: Scores) -> dict[int, WithoutAge]:
    """For each comment of the batch the safety model alone flagged whose writer gives their age, its
    other words scored (one model pass for the whole batch)."""
    flagged = (safety_scores(scores.categories, scores.safety) >= get_model().thresholds["safety"]).nonzero()[0]
    said = {int(i): found for i in flagged if (found := stated_age(texts[i])) is not None and not safety_pattern(texts[i])}
    if not said:
        return {}
    rest_scores = score([rest for _, rest in said.values()])
    return {i: WithoutAge(age, rest, rest_scores, row) for row, (i, (age, rest)) in enumerate(said.items())}


def age_alone(language: str, said: WithoutAge, *, thresholds: dict[str, float], creator_verdict: str = "") -> Triage | None:
    """A comment the safety model flagged only for the age its writer gives: judged on its other words.
    A young fan's comment is never filed and never routine: it waits for the owner as possibly spam when
    the model is as sure of spam as it must be to take a flagged comment off the safety route, or when it
    nearly copies a comment the creator marked spam, else as sensitive. None when the other words are a
    safety case too. The other words are judged by the trained model: of what the creator taught, only a
    near-copy's verdict counts here."""
    age, rest_safety = said.age, said.scores.safety_score(said.row)
    if rest_safety >= thresholds["safety"] * AGE_ALONE_SHARE:
        return None
    probabilities = said.scores.category_probabilities(said.row)
    if age >= ADULT_AGE:
        result = decide(said.rest, probabilities, rest_safety, said.scores.safety_kind(said.row), language=language,
                        thresholds=thresholds, creator_verdict=creator_verdict)
        result.reasons.append(Reason("the safety model flagged only the age it gives (%(age)s)", age=age))
        return result
    spam = probabilities[Category.SPAM]
    if creator_verdict == Category.SPAM:
        why = Reason("possibly spam from a young fan (says they are %(age)s): like a comment you marked spam; it waits for the owner, never filed", age=age)
        return waits_as_possibly_spam(language, why, probabilities, labels=(YOUNG_FAN,))
    if spam >= thresholds.get("spam_over_safety", 2.0):
        why = Reason("possibly spam (%(percent)s) from a young fan (says they are %(age)s); the age alone is not a safety case; it waits for the owner, never filed",
                     percent=_percent(spam), age=age)
        return waits_as_possibly_spam(language, why, probabilities, labels=(YOUNG_FAN,))
    why = Reason("sensitive: a young fan (says they are %(age)s); without the age the safety model gives %(percent)s; the owner sees it first",
                 age=age, percent=_percent(rest_safety))
    return Triage(Category.SENSITIVE, language, PRIORITY_BY_CATEGORY[Category.SENSITIVE], [why], "needs_human", owner_only=True,
                  labels=[YOUNG_FAN], probabilities=probabilities)


def _percent(p: float) -> str:
    return f"{min(p, 0.999):.0%}" if p < 0.995 else "99%+"


def decide(text: str, probabilities: dict[str, float], safety_score: float, safety_kind: str, *, language: str = "",
           thresholds: dict[str, float] | None = None, creator_verdict: str = "", trained_spam: float | None = None) -> Triage:
    """Turn the models' probabilities into a category, an outcome, a priority and reasons.

    `creator_verdict` is the category of a comment the creator marked that this one nearly copies:
    their own word may file it even below the model's threshold, and a copy of a comment they marked
    spam that the safety model (never a pattern) flagged waits for them as possibly spam, never filed.
    `trained_spam` is the trained model's P(spam) when `probabilities` were moved by the creator's
    verdicts: beyond such a copy, safety calls never depend on what a creator taught."""
    thresholds = thresholds if thresholds is not None else get_model().thresholds
    category = max(probabilities, key=probabilities.get)
    by_pattern = safety_pattern(text)
    trained_spam = probabilities.get(Category.SPAM, 0.0) if trained_spam is None else trained_spam
    by_model = safety_score >= thresholds["safety"]
    if by_model and not by_pattern:
        copied = copies_marked_spam(safety_kind, creator_verdict)
        if copied or reads_as_spam(safety_kind, trained_spam, thresholds):
            return spam_lookalike(language, safety_kind, safety_score, trained_spam, probabilities, copied=copied)
    if by_pattern or by_model:
        kind = by_pattern or safety_kind
        if category not in (Category.THREAT, Category.SENSITIVE):
            category = SAFETY_CATEGORY[kind]
        why = Reason("a clear pattern") if by_pattern else Reason("the safety model (%(percent)s)", percent=_percent(safety_score))
        return Triage(
            category, language, safety_priority(kind, safety_score, by_pattern=bool(by_pattern)),
            [Reason("%(category)s: %(kind)s (%(why)s); the owner sees it first", category=category, kind=kind.replace("_", " "), why=why)],
            "needs_human",
            owner_only=True, labels=[SAFETY_LABEL % {"kind": kind.replace("_", " ")}], safety=kind, probabilities=probabilities,
        )
    p = probabilities[category]
    result = Triage(category, language, PRIORITY_BY_CATEGORY[category], probabilities=probabilities)
    if category in (Category.THREAT, Category.SENSITIVE):
        result.reasons = [Reason("%(category)s: the model is %(percent)s sure; the owner sees it first", category=category, percent=_percent(p))]
        result.outcome, result.owner_only = "needs_human", True
    elif category == Category.BUSINESS:
        result.reasons = [Reason(
            "business: a brand deal or collaboration (%(percent)s); only the owner decides, on a draft from what they said about it",
            percent=_percent(p),
        )]
        result.owner_only = True
    elif category in FILED:
        link = " with a link" if URL.search(clean(text)) else ""
        needed = no_reply_threshold(category, text, thresholds)
        if creator_verdict == category:
            result.reasons = [Reason("%(category)s: like a comment you marked %(category)s", category=category)]
            result.outcome = "no_reply"
        elif p >= needed:
            result.reasons = [Reason("%(category)s%(link)s: the model is %(percent)s sure", category=category, link=link, percent=_percent(p))]
            result.outcome = "no_reply"
        else:
            result.labels = [POSSIBLY[category]]
            if p >= thresholds[f"no_reply_{category}"]:  # only because it asks a question
                why = Reason("%(label)s%(link)s (%(percent)s; a comment that asks a question needs %(needed)s to be filed)",
                             label=POSSIBLY[category], link=link, percent=_percent(p), needed=f"{needed:.0%}")
            else:
                why = Reason("%(label)s%(link)s (%(percent)s, below the %(needed)s needed to file it)",
                             label=POSSIBLY[category], link=link, percent=_percent(p), needed=f"{needed:.0%}")
            result.reasons = [why]
            result.priority = 10  # drafted like any comment, never routine (inbox.policy): a person decides
    else:
        result.reasons = [Reason("%(category)s (%(percent)s)", category=category, percent=_percent(p))]
        concern = probabilities.get(Category.SENSITIVE, 0.0) + probabilities.get(Category.THREAT, 0.0)
        if concern >= POSSIBLY_SENSITIVE_AT:
            result.labels = [POSSIBLY_SENSITIVE]
            result.priority = max(result.priority, 80)
            result.reasons.append(Reason("%(label)s: the model gives %(percent)s to sensitive or threat", label=POSSIBLY_SENSITIVE, percent=f"{concern:.0%}"))
    return result


def without_words(text: str) -> Triage | None:
    """Empty or symbol-only comments need no model."""
    visible = clean(text)
    if has_letters_or_digits(visible):
        return None
    if POSITIVE_EMOJI.search(visible):
        return Triage("praise", "", PRIORITY_BY_CATEGORY[Category.PRAISE], [Reason("emoji only, positive")])
    why = Reason("empty or symbols only") if visible.strip() else Reason("empty comment")
    return Triage("other", "", PRIORITY_BY_CATEGORY[Category.OTHER], [why])


def score(texts: list[str]) -> Scores:
    return get_model().score(texts)


def classify_many(texts: list[str]) -> list[Triage]:
    """The built-in triage of a batch (embedding and models run once for the whole batch)."""
    scores = score(texts)
    ages = flagged_with_an_age(texts, scores)
    return [classify_scored(text, scores, i, without_age=ages.get(i)) for i, text in enumerate(texts)]


def classify_scored(text: str, scores: Scores, i: int, probabilities: dict | None = None, creator_verdict: str = "",
                    language: str | None = None, without_age: WithoutAge | None = None) -> Triage:
    """`without_age`: the comment's entry of flagged_with_an_age, if it has one."""
    if (empty := without_words(text)) is not None:
        return empty
    trained, thresholds = scores.category_probabilities(i), get_model().thresholds
    language = detect_language(clean(text)) if language is None else language
    if without_age is not None and (judged := age_alone(language, without_age, thresholds=thresholds, creator_verdict=creator_verdict)):
        return judged
    return decide(
        text, probabilities or trained, scores.safety_score(i), scores.safety_kind(i),
        language=language, thresholds=thresholds, creator_verdict=creator_verdict, trained_spam=trained[Category.SPAM],
    )


def classify(text: str) -> Triage:
    return classify_many([text])[0]
