"""The clone's public surface: triage a text, propose replies grounded in the creator's own
knowledge, and learn from what people decided. The clone knows nothing of drafts or decisions:
the inbox stores what it proposes and tells it what people did."""

import re
from dataclasses import dataclass, replace

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import StrIndex, Substr

from accounts.models import Creator
from replyqueue.clone import facts
from replyqueue.clone.drafters import DraftContext, Proposal, get_drafter
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add, knowledge_delete
from replyqueue.clone.learning import learned_models
from replyqueue.clone.models import KnowledgeItem, Persona, TriageFeedback, TriageFeedbackSource
from replyqueue.clone.retrieval import Hit, search
from replyqueue.clone.rules import rules_for
from replyqueue.clone.text import fold
from replyqueue.clone.triage import Triage
from replyqueue.clone.triage_pipeline import triage_comments
from replyqueue.clone.voice import answer_only, first_name
from replyqueue.comments.models import Category, Comment, Fan

MAX_ALTERNATIVES = 3
NEVER_LEARNED = (Category.SENSITIVE, Category.THREAT, Category.SPAM, Category.ABUSE)


def persona_for(creator_id: int) -> Persona:
    persona = Persona.objects.filter(creator_id=creator_id).first()
    if persona is None:
        creator = Creator.objects.get(id=creator_id)
        persona, _ = Persona.objects.get_or_create(creator=creator, defaults={"display_name": creator.name})
    return persona


def comments_triage(comments: list[Comment], persona: Persona) -> list[Triage]:
    """Triage stored comments of one creator together: one embedding and one pass of the models
    for the batch, the creator's rules, verdicts and topics loaded once."""
    items = [{"text": c.text, "fan_external_id": c.fan.external_id, "fan_name": c.fan.name} for c in comments]
    return triage_comments(
        items,
        rules=rules_for(persona.creator_id),
        learned=learned_models.for_creator(persona.creator_id),
        avoid_topics=persona.avoid_topics,
    )


def triage_of(comment: Comment) -> Triage:
    """The triage already recorded on a comment (to draft it without triaging again)."""
    return Triage(
        category=comment.category or Category.OTHER, language=comment.language, priority=comment.priority,
        reasons=list(comment.reasons), owner_only=comment.owner_only, labels=list(comment.labels),
        rule=comment.triage_rule if comment.triage_rule_id else None,
    )


def reply_context(
    *,
    persona: Persona,
    text: str,
    triage: Triage,
    fan_name: str = "",
    fan_history: list[tuple[str, str]] | None = None,
    post_title: str = "",
    instruction: str = "",
    avoid: set[int] | None = None,
    limit: int = 5,
    hits: list[Hit] | None = None,
) -> DraftContext:
    """What the drafter sees: the comment, the fan, and the knowledge retrieved for the text
    (unless `hits` were found already) minus the items in `avoid` (answers people rejected for
    similar comments)."""
    if hits is None:
        hits = search(creator_id=persona.creator_id, text=text, limit=limit, knowledge_version=persona.knowledge_version)
    return DraftContext(
        comment_text=text,
        category=triage.category,
        language=triage.language,
        persona=persona,
        fan_name=fan_name,
        fan_history=fan_history or [],
        post_title=post_title,
        hits=[h for h in hits if h.item.id not in (avoid or set())],
        instruction=instruction,
    )


def propose_reply(**context_fields) -> Proposal:
    """Retrieve what the creator has said about a text and let the drafter answer or abstain."""
    return get_drafter().propose(reply_context(**context_fields))


def propose_alternatives(context: DraftContext, count: int) -> tuple[list[Proposal], str]:
    """Up to `count` proposals resting on different knowledge (each next try starts from the next
    hit), and why the drafter abstained when there is none."""
    proposals, seen = [], set()
    for start in range(len(context.hits) or 1):
        proposal = get_drafter().propose(replace(context, hits=context.hits[start:]))
        if proposal.abstained:
            return proposals, "" if proposals else proposal.abstain_reason
        if proposal.text not in seen:
            proposals.append(proposal)
            seen.add(proposal.text)
        if len(proposals) >= count:
            break
    return proposals, ""


def drafter_name() -> str:
    return get_drafter().name


@dataclass(frozen=True)
class DrafterAbilities:
    """What the configured drafter can do when a reviewer asks for a redraft, so the inbox
    shows only controls that work (or says why not)."""

    name: str
    follows_any_instruction: bool
    varies_without_instruction: bool
    instruction_help: str


def drafter_abilities() -> DrafterAbilities:
    drafter = get_drafter()
    return DrafterAbilities(
        name=drafter.name,
        follows_any_instruction=getattr(drafter, "follows_any_instruction", True),
        varies_without_instruction=getattr(drafter, "varies_without_instruction", True),
        instruction_help=getattr(drafter, "instruction_help", ""),
    )


def instruction_not_followed(instruction: str) -> list[str]:
    """The parts of a redraft instruction the configured drafter cannot follow."""
    drafter = get_drafter()
    return drafter.instruction_not_followed(instruction) if hasattr(drafter, "instruction_not_followed") else []


def _creator_wrote(item: KnowledgeItem) -> str:
    """The part of a knowledge item the creator wrote. A past reply's prompt and the question
    of an 'ask the creator' answer are a fan's comment: they never ground a claim."""
    if item.kind == "reply" or item.origin == "creator_answer" or item.origin.startswith("approved_draft:"):
        return item.body
    return f"{item.prompt} {item.body}"


def grounding_for(source_ids: list[int], persona: Persona, fan_name: str, known: dict | None = None) -> list[str]:
    """Everything a draft may state: what the creator wrote in its sources, the persona, and the
    fan's first name as the greeting shows it (a name field holding a link grounds nothing).
    `known`: items already loaded, by id (the retrieved ones), not read again."""
    known = known or {}
    if all(source_id in known for source_id in source_ids):
        sources = [known[source_id] for source_id in source_ids]
    else:
        sources = KnowledgeItem.objects.filter(creator_id=persona.creator_id, id__in=source_ids)
    texts = [_creator_wrote(s) for s in sources]
    return texts + [persona.display_name, persona.greeting, persona.signoff, persona.favourite_emoji, first_name(fan_name)]


def _without_fan_links(answer: str, fan_text: str) -> str:
    """The answer without the URLs and @handles the fan wrote: a reviewer who kept the fan's link
    in an edit did not say it, so it is not learned as the creator's words."""
    fan_claims = {fold(m.group()).strip(" .,!?") for _kind, pattern in facts.CLAIM_PATTERNS[:2] for m in pattern.finditer(fan_text)}
    if not fan_claims:
        return answer
    for _kind, pattern in facts.CLAIM_PATTERNS[:2]:  # url, handle
        answer = pattern.sub(lambda m: "" if fold(m.group()).strip(" .,!?") in fan_claims else m.group(), answer)
    return re.sub(r"[ \t]{2,}", " ", re.sub(r"\s+([.,!?])", r"\1", answer)).strip(" ,:;-")


def capitalised_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\b[^\W\d_][^\W\d_'’-]+\b", text) if w[:1].isupper()}


class FanNames:
    """Which words are the first name of one of the creator's fans, each word looked up once: a
    burst of drafts shares one, and asks for the words of all its sources in one query."""

    def __init__(self, creator_id: int) -> None:
        self.creator_id = creator_id
        self._is_a_name: dict[str, bool] = {}

    def among(self, words: set[str]) -> set[str]:
        missing = sorted(words - self._is_a_name.keys())
        if missing:
            first = Case(
                When(name__contains=" ", then=Substr("name", 1, StrIndex("name", Value(" ")) - 1)), default=F("name")
            )
            query = Q()
            for word in missing:
                query |= Q(first__iexact=word)
            found = {
                name.casefold()
                for name in Fan.objects.filter(creator_id=self.creator_id).annotate(first=first).filter(query)
                .values_list("first", flat=True).distinct()
            }
            self._is_a_name.update({word: word.casefold() in found for word in missing})
        return {word for word in words if self._is_a_name[word]}


def other_fans_named(text: str, creator_id: int, fan_name: str, fan_names: FanNames | None = None) -> set[str]:
    """Capitalised words of the text that are the first name of another of the creator's fans:
    a reply to one fan never greets another, whatever a learned source says."""
    candidates = capitalised_words(text) - {first_name(fan_name)}
    if not candidates:
        return set()
    return (fan_names or FanNames(creator_id)).among(candidates)


def facts_flags(
    text: str, source_ids: list[int], persona: Persona, fan_name: str, known: dict | None = None, fan_names: FanNames | None = None
) -> list[dict]:
    """The facts guard's findings on a proposed text, as stored on a draft."""
    grounding = grounding_for(source_ids, persona, fan_name, known)
    others = other_fans_named(text, persona.creator_id, fan_name, fan_names) - {persona.display_name}
    return [v.as_dict() for v in facts.check(text, grounding, unsupported_names=others)]


def knowledge_learn_from_reply(*, comment: Comment, reply: str, origin: str) -> None:
    """An edited approval is something new the creator has said: it becomes knowledge, with its
    provenance. Sensitive, threatening and owner-only exchanges are personal and never reused."""
    if comment.owner_only or comment.category in NEVER_LEARNED or not comment.text.strip():
        return
    answer = _without_fan_links(answer_only(reply, persona_for(comment.creator_id), comment.fan.name), comment.text)
    if not answer.strip(" .,!?:;-"):
        return
    knowledge_add(creator=comment.creator, items=[KnowledgeInput("reply", comment.text[:2000], answer)], origin=origin)


def knowledge_forget(*, creator_id: int, origin: str) -> int:
    """Remove what was learned from one origin (an approval taken back), through knowledge_delete so
    every worker sees the knowledge change."""
    items = list(KnowledgeItem.objects.filter(creator_id=creator_id, origin=origin).select_related("creator"))
    return sum(knowledge_delete(creator=item.creator, item_id=item.id) for item in items)


def knowledge_from_creator_answer(*, comment: Comment, text: str) -> KnowledgeItem:
    [item] = knowledge_add(
        creator=comment.creator, items=[KnowledgeInput("faq", comment.text[:2000], text)], origin="creator_answer"
    )
    return item


def triage_feedback_record_approvals(*, comments: list[Comment]) -> None:
    """triage_feedback_record(source=APPROVAL) for many approved comments: one read, one upsert.
    A person's explicit mark still wins."""
    if not comments:
        return
    marked = set(
        TriageFeedback.objects.filter(comment_id__in=[c.id for c in comments])
        .exclude(source=TriageFeedbackSource.APPROVAL).values_list("comment_id", flat=True)
    )
    rows = [
        TriageFeedback(
            creator_id=c.creator_id, comment_id=c.id, category=c.category or Category.OTHER,
            source=TriageFeedbackSource.APPROVAL, user=None,
        )
        for c in comments if c.id not in marked
    ]
    TriageFeedback.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["comment"], update_fields=["creator", "category", "source", "user"]
    )


def triage_feedback_record(*, comment: Comment, category: str, user=None, source: str = TriageFeedbackSource.MARK) -> None:
    """A verdict on a comment's category teaches the creator's triage. A person's explicit mark
    always wins over what an approval implied."""
    if source == TriageFeedbackSource.APPROVAL:
        if TriageFeedback.objects.filter(comment=comment).filter(~Q(source=TriageFeedbackSource.APPROVAL)).exists():
            return
    TriageFeedback.objects.update_or_create(
        comment=comment,
        defaults={"creator_id": comment.creator_id, "category": category, "user": user, "source": source},
    )
