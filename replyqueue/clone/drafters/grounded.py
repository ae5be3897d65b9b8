"""The default drafter: offline, answers only with what the creator has already said."""

import re

from replyqueue.clone.drafters.base import NOTHING_ANSWERS, DraftContext, Proposal, not_sure
from replyqueue.clone.language import LANGUAGE_NAMES, stems
from replyqueue.clone.models import KnowledgeItem, KnowledgeKind
from replyqueue.clone.retrieval import Hit, search
from replyqueue.clone.text import fold
from replyqueue.clone.voice import THANKS, in_voice, sentences, shorten
from replyqueue.comments.models import Category
from replyqueue.core.explain import Reason

SIMILARITY_FLOOR = 0.40  # cosine below which an item is unrelated (confidence 0)
SIMILARITY_SURE = 0.80  # cosine of a close paraphrase (confidence 1)
RIVAL_MARGIN = 0.04  # a different answer this close to the best one makes the choice ambiguous
SAME_ANSWER_BAND = 0.08  # hits this close to the best may be swapped for one in the fan's language


def same_answer(one: KnowledgeItem, other: KnowledgeItem) -> bool:
    """Two items say the same thing (an answer and the creator's edited version of it) when most
    of their words are shared."""
    a, b = set(stems(one.body, one.language)), set(stems(other.body, other.language))
    return bool(a and b) and len(a & b) / len(a | b) >= 0.5


def confidence_from(hits: list[Hit]) -> float:
    """How sure we are the best hit answers the comment: its similarity on a 0..1 scale, less if
    an item with a different answer fits about as well."""
    if not hits:
        return 0.0
    best = hits[0]
    confidence = (best.score - SIMILARITY_FLOOR) / (SIMILARITY_SURE - SIMILARITY_FLOOR)
    rival = next((h for h in hits[1:] if not same_answer(h.item, best.item)), None)
    if rival is not None and rival.score > best.score - RIVAL_MARGIN:
        confidence *= 0.8
    return round(min(max(confidence, 0.0), 1.0), 3)


def prefer_language(hits: list[Hit], language: str) -> Hit:
    """The best hit, or a near-equal one written in the fan's language (the same FAQ translated)."""
    best = hits[0]
    if not language or best.item.language in ("", language):
        return best
    for hit in hits[1:]:
        if hit.score >= best.score - SAME_ANSWER_BAND and hit.item.language == language:
            return hit
    return best


def answer_from(hit: Hit, comment_text: str = "") -> str:
    """The creator's own words that answer: the FAQ answer, their past reply, or the post's best sentences."""
    if hit.item.kind != KnowledgeKind.POST:
        return hit.item.body
    asked = set(stems(comment_text, hit.item.language))
    ranked = sorted(sentences(hit.item.body), key=lambda s: -len(asked & set(stems(s, hit.item.language))))
    return " ".join(ranked[:2])


WARM = {
    "en": "Thank you so much for watching, it really means a lot!",
    "fr": "Merci infiniment de regarder, ça me fait super plaisir !",
}
MENTION = re.compile(r"\b(?:mention|talk about|add|parle[rz]? de|mentionne[rz]?|ajoute[rz]?)\s+(?:the\s+|le\s+|la\s+|les\s+|l')?(.+)", re.I)


SHORTER_WORDS = ("short", "court", "brief", "bref", "concise")
WARMER_WORDS = ("warm", "chaleur", "friendly", "sympa", "gentil")
INSTRUCTION_HELP = "shorter · warmer · mention <topic>"


def instruction_not_followed(instruction: str) -> list[str]:
    """The parts of a reviewer's instruction this drafter cannot follow (it only shortens,
    warms up, or adds what the creator said about a topic): 'plus court et en français' ->
    ['en français']."""
    text = instruction.strip()
    if match := MENTION.search(text):  # "mention X" takes the rest of the instruction as the topic
        text = text[: match.start()]
    parts = re.split(r"[,;+/]|\band\b|\bet\b|\bthen\b|\bpuis\b", text, flags=re.I)
    unfollowed = []
    for part in (p.strip(" .!") for p in parts):
        folded = fold(part)
        if part and not any(w in folded for w in SHORTER_WORDS + WARMER_WORDS):
            unfollowed.append(part)
    return unfollowed


def apply_instruction(answer: str, instruction: str, context: DraftContext) -> tuple[str, list[int]]:
    """A reviewer's short instruction, followed with the creator's own words only: 'shorter',
    'warmer', or 'mention <topic>' (adds what the creator said about it, with its source)."""
    wanted = fold(instruction)
    extra_sources: list[int] = []
    if any(w in wanted for w in SHORTER_WORDS):
        answer = shorten(answer, max(40, min(context.persona.typical_length, len(answer)) // 2))
    if any(w in wanted for w in WARMER_WORDS):
        answer = f"{answer} {WARM.get(context.language, WARM['en'])}"
    if match := MENTION.search(instruction):
        hits = search(creator_id=context.persona.creator_id, text=match.group(1), limit=1)
        if hits and (hits[0].lexical > 0 or hits[0].similarity >= SIMILARITY_FLOOR + 0.1) and hits[0].item.body not in answer:
            answer = f"{answer} {answer_from(hits[0])}"
            extra_sources.append(hits[0].item.id)
    return answer, extra_sources


class GroundedDrafter:
    name = "grounded"
    follows_any_instruction = False  # see instruction_not_followed
    varies_without_instruction = False  # the same knowledge gives the same draft
    instruction_help = INSTRUCTION_HELP

    def instruction_not_followed(self, instruction: str) -> list[str]:
        return instruction_not_followed(instruction)

    def propose(self, context: DraftContext) -> Proposal:
        persona = context.persona
        if context.category == Category.PRAISE and not context.hits:
            thanks = THANKS.get(context.language, THANKS["en"])
            return Proposal(text=in_voice(persona, thanks, context.fan_name, context.language), confidence=0.8)
        avoided = {fold(t) for t in context.avoid_texts}
        hits = [h for h in context.hits if fold(h.item.body) not in avoided] if avoided else context.hits
        confidence = confidence_from(hits)
        if context.category == Category.PRAISE and confidence < persona.confidence_threshold:
            thanks = THANKS.get(context.language, THANKS["en"])
            return Proposal(text=in_voice(persona, thanks, context.fan_name, context.language), confidence=0.8)
        if not hits:
            return Proposal(abstain_reason=NOTHING_ANSWERS)
        if confidence < persona.confidence_threshold:
            return Proposal(confidence=confidence, abstain_reason=not_sure(confidence, persona.confidence_threshold))
        best = prefer_language(hits, context.language)
        if context.language and best.item.language and best.item.language != context.language:
            return Proposal(
                confidence=confidence,
                abstain_reason=Reason(
                    "The creator's answer is in %(language)s and the fan wrote in %(fan_language)s: no reply mixing the two.",
                    language=LANGUAGE_NAMES.get(best.item.language, best.item.language),
                    fan_language=LANGUAGE_NAMES.get(context.language, context.language),
                ),
            )
        answer, extra_sources = apply_instruction(answer_from(best, context.comment_text), context.instruction, context)
        text = in_voice(persona, answer, context.fan_name, context.language, returning=bool(context.fan_history))
        return Proposal(text=text, sources=[best.item.id, *extra_sources], confidence=confidence)
