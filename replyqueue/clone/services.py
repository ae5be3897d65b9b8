"""Triage and drafting of one comment: the work behind the process_comment task."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

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
    return propose_reply(
        persona=persona,
        text=comment.text,
        triage=triage,
        fan_name=comment.fan.name,
        fan_history=fan_history(comment),
        post_title=comment.post.title if comment.post else "",
        instruction=instruction,
    )


def propose_reply(
    *,
    persona: Persona,
    text: str,
    triage: Triage,
    fan_name: str = "",
    fan_history: list[tuple[str, str]] | None = None,
    post_title: str = "",
    instruction: str = "",
) -> Proposal:
    """Retrieve what the creator has said about this and let the drafter answer or abstain."""
    context = DraftContext(
        comment_text=text,
        category=triage.category,
        language=triage.language,
        persona=persona,
        fan_name=fan_name,
        fan_history=fan_history or [],
        post_title=post_title,
        hits=search(creator_id=persona.creator_id, text=text),
        instruction=instruction,
    )
    return get_drafter().propose(context)


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
