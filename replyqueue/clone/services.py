"""Triage and drafting of one comment: the work behind the process_comment task."""

import logging
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone import facts
from replyqueue.clone.drafters import DraftContext, Proposal, get_drafter
from replyqueue.clone.learning import learned_models
from replyqueue.clone.models import KnowledgeItem, Persona
from replyqueue.clone.retrieval import search
from replyqueue.clone.rules import rules_for
from replyqueue.clone.triage import Triage
from replyqueue.clone.triage_pipeline import triage_comment
from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.inbox.models import Draft, DraftStatus

log = logging.getLogger(__name__)
MAX_PROCESS_ATTEMPTS = 5


def comment_claim(comment_id: int) -> bool:
    """Stamp the comment as being worked on; False if it is done or another worker holds it."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    return bool(
        Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def comment_process(*, comment_id: int) -> None:
    """Triage, then draft or route the comment. Safe to run twice: the claim and the final
    conditional status update let only one run record an outcome."""
    if not comment_claim(comment_id):
        return
    comment = Comment.objects.select_related("creator", "fan", "post").get(id=comment_id)
    persona = persona_for(comment.creator_id)
    triage = triage_comment(
        comment.text,
        fan_external_id=comment.fan.external_id,
        fan_name=comment.fan.name,
        rules=rules_for(comment.creator_id),
        learned=learned_models.for_creator(comment.creator_id),
        avoid_topics=persona.avoid_topics,
    )
    if triage.outcome != "draft":
        status = CommentStatus.NEEDS_HUMAN if triage.outcome == "needs_human" else CommentStatus.NO_REPLY
        comment_finish(comment, triage, status, triage.reasons[0])
        return
    proposal = draft_propose(comment, persona, triage)
    if proposal.abstained:
        comment_finish(comment, triage, CommentStatus.NEEDS_HUMAN, proposal.abstain_reason)
        return
    comment_finish(comment, triage, CommentStatus.DRAFTED, "", proposal=proposal, persona=persona)


def persona_for(creator_id: int) -> Persona:
    persona, _ = Persona.objects.get_or_create(creator_id=creator_id, defaults={"display_name": "Creator"})
    return persona


def fan_history(comment: Comment, limit: int = 3) -> list[tuple[str, str]]:
    """This fan's earlier comments that got an approved reply, newest first."""
    earlier = (
        Draft.objects.filter(
            creator_id=comment.creator_id, comment__fan_id=comment.fan_id, status=DraftStatus.APPROVED
        )
        .exclude(comment_id=comment.id)
        .select_related("comment")
        .order_by("-id")[:limit]
    )
    return [(d.comment.text, d.text) for d in earlier]


def draft_propose(comment: Comment, persona: Persona, triage: Triage, instruction: str = "") -> Proposal:
    return get_drafter().propose(comment_context(comment, persona, triage, instruction))


def comment_context(comment: Comment, persona: Persona, triage: Triage, instruction: str = "", limit: int = 5) -> DraftContext:
    """What the drafter sees for a stored comment: the fan, their history, the post, and the
    knowledge retrieved for it minus answers people rejected for similar comments."""
    return reply_context(
        persona=persona,
        text=comment.text,
        triage=triage,
        fan_name=comment.fan.name,
        fan_history=fan_history(comment),
        post_title=comment.post.title if comment.post else "",
        instruction=instruction,
        avoid=rejected_sources_for(comment),
        limit=limit,
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
) -> DraftContext:
    hits = search(creator_id=persona.creator_id, text=text, limit=limit)
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


def grounding_for(proposal: Proposal, persona: Persona, fan_name: str) -> list[str]:
    sources = KnowledgeItem.objects.filter(creator_id=persona.creator_id, id__in=proposal.sources)
    texts = [f"{s.prompt} {s.body}" for s in sources]
    return texts + [persona.display_name, persona.greeting, persona.signoff, persona.favourite_emoji, fan_name]


def draft_build(comment: Comment, proposal: Proposal, persona: Persona, generation: int = 1, rank: int = 0, instruction: str = "") -> Draft:
    violations = facts.check(proposal.text, grounding_for(proposal, persona, comment.fan.name))
    return Draft(
        creator_id=comment.creator_id,
        comment=comment,
        text=proposal.text,
        drafted_text=proposal.text,
        sources=proposal.sources,
        confidence=proposal.confidence,
        flags=[v.as_dict() for v in violations],
        drafter=get_drafter().name,
        usage=proposal.usage,
        priority=comment.priority,
        generation=generation,
        rank=rank,
        instruction=instruction,
    )


def comment_finish(
    comment: Comment,
    triage: Triage,
    status: str,
    reason: str,
    *,
    proposal: Proposal | None = None,
    persona: Persona | None = None,
) -> None:
    """Record the outcome in one transaction; only the run that still sees `received` wins."""
    try:
        with transaction.atomic():
            updated = Comment.objects.filter(id=comment.id, status=CommentStatus.RECEIVED).update(
                status=status,
                reason=reason[:500],
                category=triage.category,
                language=triage.language,
                priority=triage.priority,
                reasons=triage.reasons,
                owner_only=triage.owner_only,
                labels=triage.labels,
                triage_rule=triage.rule,
                processed_at=timezone.now(),
            )
            if not updated:
                return
            if proposal is not None and persona is not None:
                comment.priority = triage.priority
                draft_build(comment, proposal, persona).save()
    except IntegrityError:
        log.info("comment %s was drafted by another run", comment.id)


def comment_give_up(*, comment_id: int, error: str) -> None:
    """Drafting failed for good: route the comment to a human with the error, never drop it."""
    Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED).update(
        status=CommentStatus.NEEDS_HUMAN,
        reason=f"Drafting failed: {error}"[:500],
        processed_at=timezone.now(),
    )


MAX_ALTERNATIVES = 3
SPAMMY = {"spam", "abuse"}


def rejected_sources_for(comment: Comment, limit: int = 300) -> set[int]:
    """Sources of drafts people rejected for comments like this one: not to be proposed again."""
    from replyqueue.clone.text import index_terms
    from replyqueue.inbox.models import Decision

    mine = set(index_terms(comment.text))
    if not mine:
        return set()
    rejected = (
        Decision.objects.filter(creator_id=comment.creator_id, action="reject")
        .select_related("draft__comment")
        .order_by("-id")[:limit]
    )
    avoid = set()
    for decision in rejected:
        theirs = set(index_terms(decision.draft.comment.text))
        if theirs and len(mine & theirs) / len(mine | theirs) >= 0.5:
            avoid.update(decision.draft.sources)
    return avoid


def triage_of(comment: Comment) -> Triage:
    return Triage(
        category=comment.category or "other", language=comment.language, priority=comment.priority,
        reasons=list(comment.reasons),
    )


def comment_redraft(*, comment_id: int, instruction: str = "", alternatives: int = 1, user_id: int | None = None) -> str:
    """Draft the comment again: regenerate with an instruction, offer alternatives, or draft a
    comment triage had set aside ("draft anyway"). Returns the comment's new status."""
    from replyqueue.inbox.models import Decision, DecisionAction

    comment = Comment.objects.select_related("fan", "post").get(id=comment_id)
    persona = persona_for(comment.creator_id)
    context = comment_context(comment, persona, triage_of(comment), instruction, limit=8)
    proposals = propose_alternatives(context, min(max(alternatives, 1), MAX_ALTERNATIVES))
    with transaction.atomic():
        previous = list(Draft.objects.filter(comment=comment, status=DraftStatus.PENDING))
        Draft.objects.filter(comment=comment, status=DraftStatus.PENDING).update(
            status=DraftStatus.SUPERSEDED, version=F("version") + 1
        )
        for draft in previous:
            Decision.objects.create(
                creator_id=comment.creator_id, draft=draft, action=DecisionAction.REGENERATE, user_id=user_id,
                before_text=draft.text, reason=instruction[:500],
            )
        if not proposals:
            reason = "Asked to draft again, but nothing the creator has said answers this comment."
            Comment.objects.filter(id=comment.id).update(status=CommentStatus.NEEDS_HUMAN, reason=reason)
            return CommentStatus.NEEDS_HUMAN
        generation = Draft.latest_generation(comment.id) + 1
        for rank, proposal in enumerate(proposals):
            draft_build(comment, proposal, persona, generation=generation, rank=rank, instruction=instruction).save()
        Comment.objects.filter(id=comment.id).update(status=CommentStatus.DRAFTED, reason="")
    return CommentStatus.DRAFTED


def propose_alternatives(context: DraftContext, count: int) -> list[Proposal]:
    """Up to `count` proposals resting on different knowledge: each next try starts from the next
    hit. Abstentions are dropped."""
    proposals, seen = [], set()
    for start in range(len(context.hits) or 1):
        proposal = get_drafter().propose(replace(context, hits=context.hits[start:]))
        if not proposal.abstained and proposal.text not in seen:
            proposals.append(proposal)
            seen.add(proposal.text)
        if len(proposals) >= count or proposal.abstained:
            break
    return proposals


def comment_mark(*, comment: Comment, category: str, user=None) -> None:
    """A person's verdict on the category. It trains the creator's triage, and a comment marked
    spam/abuse stops waiting for a reply; one cleared of it gets drafted."""
    from replyqueue.clone.models import TriageFeedback
    from replyqueue.clone.tasks import enqueue_redraft

    with transaction.atomic():
        TriageFeedback.objects.update_or_create(
            comment=comment, defaults={"creator_id": comment.creator_id, "category": category, "user": user}
        )
        was = comment.status
        if category in SPAMMY and was != CommentStatus.NO_REPLY:
            Draft.objects.filter(comment=comment, status=DraftStatus.PENDING).update(
                status=DraftStatus.SUPERSEDED, version=F("version") + 1
            )
            Comment.objects.filter(id=comment.id).update(
                category=category, status=CommentStatus.NO_REPLY, reason=f"marked {category} by a reviewer"
            )
        else:
            Comment.objects.filter(id=comment.id).update(category=category)
        if category not in SPAMMY and was == CommentStatus.NO_REPLY:
            transaction.on_commit(lambda: enqueue_redraft(comment.id))


def comment_answer_by_creator(*, comment: Comment, text: str, user=None) -> Draft:
    """'Ask the creator': their answer becomes knowledge (so the question is drafted next time)
    and a draft for this comment, which then goes through the usual approval."""
    from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add

    text = text.strip()
    if not text:
        raise ValueError(gettext("Write an answer first."))
    with transaction.atomic():
        [item] = knowledge_add(
            creator=comment.creator, items=[KnowledgeInput("faq", comment.text[:2000], text)], origin="creator_answer"
        )
        Draft.objects.filter(comment=comment, status=DraftStatus.PENDING).update(
            status=DraftStatus.SUPERSEDED, version=F("version") + 1
        )
        generation = Draft.latest_generation(comment.id) + 1
        draft = Draft.objects.create(
            creator_id=comment.creator_id, comment=comment, text=text, drafted_text=text, sources=[item.id],
            confidence=1.0, drafter="creator", generation=generation, priority=comment.priority,
        )
        Comment.objects.filter(id=comment.id).update(status=CommentStatus.DRAFTED, reason="")
    return draft


def knowledge_learn_from_approval(draft: Draft) -> None:
    """An edited approval is something new the creator has said: it becomes knowledge, with its
    provenance. (Approved unchanged, the reply's sources already hold it.) Sensitive and
    owner-only exchanges are personal and are not reused."""
    from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add

    comment = draft.comment
    if comment.owner_only or comment.category in ("sensitive", "spam", "abuse") or not comment.text.strip():
        return
    knowledge_add(
        creator=comment.creator, items=[KnowledgeInput("reply", comment.text[:2000], draft.text)],
        origin=f"approved_draft:{draft.id}",
    )
