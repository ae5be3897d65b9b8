"""Turning what the clone proposes into drafts in the queue: the work behind the drafting tasks.

The clone (replyqueue.clone.services) triages and proposes; this module claims the comment,
stores drafts, supersedes old ones, and records the comment's outcome. Every function here is
safe to run twice: claims are conditional updates and the final status update lets one run win.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone.drafters import Proposal, get_drafter
from replyqueue.clone.embeddings import embed
from replyqueue.clone.language import stems
from replyqueue.clone.models import BriefStatus, ContentBrief, Persona
from replyqueue.clone.services import (
    MAX_ALTERNATIVES,
    comment_triage,
    drafter_name,
    facts_flags,
    persona_for,
    propose_alternatives,
    reply_context,
    triage_of,
)
from replyqueue.clone.triage import Triage
from replyqueue.clone.variants import brief_variants
from replyqueue.comments.models import Comment, CommentStatus
from replyqueue.core.workers import current_worker, released_claim_q
from replyqueue.inbox.calibration import approval_chance
from replyqueue.inbox.models import (
    Decision,
    DecisionAction,
    Draft,
    DraftRequest,
    DraftRequestKind,
    DraftRequestStatus,
    DraftStatus,
)

log = logging.getLogger(__name__)
MAX_PROCESS_ATTEMPTS = 5
MAX_REQUEST_ATTEMPTS = 3


def comment_claim(comment_id: int) -> bool:
    """Stamp the comment as being worked on; False if it is done or another worker holds it."""
    now = timezone.now()
    return bool(
        Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED)
        .filter(released_claim_q(now))
        .update(claimed_at=now, claimed_by=current_worker(), attempts=F("attempts") + 1)
    )


def comment_process(*, comment_id: int) -> None:
    """Triage, then draft or route the comment. Safe to run twice: the claim and the final
    conditional status update let only one run record an outcome."""
    if not comment_claim(comment_id):
        return
    comment = Comment.objects.select_related("creator", "fan", "post").get(id=comment_id)
    persona = persona_for(comment.creator_id)
    triage = comment_triage(comment, persona)
    if triage.outcome != "draft":
        status = CommentStatus.NEEDS_HUMAN if triage.outcome == "needs_human" else CommentStatus.NO_REPLY
        comment_finish(comment, triage, status, triage.reasons[0])
        return
    proposal = get_drafter().propose(comment_context(comment, persona, triage))
    if proposal.abstained:
        comment_finish(comment, triage, CommentStatus.NEEDS_HUMAN, proposal.abstain_reason)
        return
    comment_finish(comment, triage, CommentStatus.DRAFTED, "", proposal=proposal, persona=persona)


def fan_history(comment: Comment, limit: int = 3, recent: int = 20) -> list[tuple[str, str]]:
    """What this fan asked before and was told (approved replies only), the exchanges closest in
    meaning to this comment first: "did the lens arrive?" finds "which lens should I buy?"."""
    earlier = list(
        Draft.objects.filter(creator_id=comment.creator_id, comment__fan_id=comment.fan_id, status=DraftStatus.APPROVED)
        .exclude(comment_id=comment.id)
        .select_related("comment")
        .order_by("-id")[:recent]
    )
    if len(earlier) > limit:
        vectors = embed([comment.text] + [d.comment.text for d in earlier])
        relevance = vectors[1:] @ vectors[0]
        earlier = [d for _, d in sorted(zip(relevance, earlier, strict=True), key=lambda pair: -pair[0])][:limit]
    return [(d.comment.text, d.text) for d in earlier]


def rejected_sources_for(comment: Comment, limit: int = 300) -> set[int]:
    """Sources of drafts people rejected for comments like this one: not to be proposed again."""
    mine = set(stems(comment.text))
    if not mine:
        return set()
    rejected = (
        Decision.objects.filter(creator_id=comment.creator_id, action=DecisionAction.REJECT, draft__comment__isnull=False)
        .select_related("draft__comment")
        .order_by("-id")[:limit]
    )
    avoid = set()
    for decision in rejected:
        theirs = set(stems(decision.draft.comment.text))
        if theirs and len(mine & theirs) / len(mine | theirs) >= 0.5:
            avoid.update(decision.draft.sources)
    return avoid


def comment_context(comment: Comment, persona: Persona, triage: Triage, instruction: str = "", limit: int = 5):
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


def draft_build(
    comment: Comment, proposal: Proposal, persona: Persona, generation: int = 1, rank: int = 0, instruction: str = ""
) -> Draft:
    return Draft(
        creator_id=comment.creator_id,
        comment=comment,
        text=proposal.text,
        drafted_text=proposal.text,
        sources=proposal.sources,
        confidence=proposal.confidence,
        approval_chance=approval_chance(comment.creator_id, proposal.confidence),
        flags=facts_flags(proposal.text, proposal.sources, persona, comment.fan.name),
        drafter=drafter_name(),
        usage=proposal.usage,
        priority=comment.priority,
        generation=generation,
        rank=rank,
        instruction=instruction,
    )


def drafts_supersede(*, comment_id: int | None = None, brief_id: int | None = None) -> list[Draft]:
    """Retire the pending drafts of a comment (or a brief): a newer answer replaces them.
    Returns them as they were, for the audit trail."""
    pending = Draft.objects.filter(status=DraftStatus.PENDING)
    pending = pending.filter(brief_id=brief_id) if brief_id else pending.filter(comment_id=comment_id)
    previous = list(pending)
    pending.update(status=DraftStatus.SUPERSEDED, version=F("version") + 1)
    return previous


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
            if status == CommentStatus.NEEDS_HUMAN and (triage.owner_only or triage.category in ("threat", "sensitive")):
                # Owner-only: the owners hear of it at once (a digest is for everything else).
                transaction.on_commit(lambda: _enqueue_owner_alert(comment.id))
            if proposal is not None and persona is not None:
                comment.priority = triage.priority
                draft_build(comment, proposal, persona).save()
    except IntegrityError:
        log.info("comment %s was drafted by another run", comment.id)


def _enqueue_owner_alert(comment_id: int) -> None:
    from replyqueue.inbox.tasks import enqueue_owner_alert  # tasks imports this module

    enqueue_owner_alert(comment_id)


def comment_give_up(*, comment_id: int, error: str) -> None:
    """Drafting failed for good: route the comment to a human with the error, never drop it."""
    Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED).update(
        status=CommentStatus.NEEDS_HUMAN,
        reason=f"Drafting failed: {error}"[:500],
        processed_at=timezone.now(),
    )


def draft_request_claim(request_id: int) -> DraftRequest | None:
    """Take a pending request; None if it is done or another worker holds it."""
    now = timezone.now()
    claimed = (
        DraftRequest.objects.filter(id=request_id, status=DraftRequestStatus.PENDING)
        .filter(released_claim_q(now))
        .update(claimed_at=now, claimed_by=current_worker(), attempts=F("attempts") + 1)
    )
    return DraftRequest.objects.get(id=request_id) if claimed else None


def draft_request_run(*, request_id: int) -> str | None:
    """Draft the comment again as the request asks: regenerate with an instruction, offer
    alternatives, or draft a comment triage set aside. Returns the comment's new status."""
    request = draft_request_claim(request_id)
    if request is None:
        return None
    comment = Comment.objects.select_related("creator", "fan", "post").get(id=request.comment_id)
    persona = persona_for(comment.creator_id)
    context = comment_context(comment, persona, triage_of(comment), request.instruction, limit=8)
    count = request.count if request.kind == DraftRequestKind.ALTERNATIVES else 1
    proposals = propose_alternatives(context, min(max(count, 1), MAX_ALTERNATIVES))
    with transaction.atomic():
        drafts_supersede(comment_id=comment.id)
        if proposals:
            generation = Draft.latest_generation(comment.id) + 1
            for rank, proposal in enumerate(proposals):
                draft_build(comment, proposal, persona, generation, rank, request.instruction).save()
            status, reason = CommentStatus.DRAFTED, ""
        else:
            status = CommentStatus.NEEDS_HUMAN
            reason = gettext("Asked to draft again, but nothing the creator has said answers this comment.")
        Comment.objects.filter(id=comment.id).update(status=status, reason=reason)
        DraftRequest.objects.filter(id=request.id).update(
            status=DraftRequestStatus.DONE, outcome=status, finished_at=timezone.now(), error="", found=len(proposals)
        )
    return status


def draft_request_fail(*, request_id: int, error: str) -> None:
    """A request that failed for good says why on its row; the card shows it."""
    DraftRequest.objects.filter(id=request_id, status=DraftRequestStatus.PENDING).update(
        status=DraftRequestStatus.FAILED, error=error[:1000], finished_at=timezone.now()
    )


@transaction.atomic
def brief_draft(*, brief_id: int) -> str:
    """Draft the brief's variants as pending drafts (rank 0 first, the others as alternatives)."""
    brief = ContentBrief.objects.select_for_update().get(id=brief_id)
    if brief.status != BriefStatus.RECEIVED:
        return brief.status
    persona = persona_for(brief.creator_id)
    result = brief_variants(brief, persona)
    for rank, variant in enumerate(result.variants):
        Draft.objects.create(
            creator_id=brief.creator_id, brief=brief, text=variant.text, drafted_text=variant.text,
            sources=variant.sources, confidence=variant.confidence, flags=variant.flags, drafter=result.drafter,
            rank=rank, priority=50,
        )
    brief.status = BriefStatus.DRAFTED if result.variants else BriefStatus.FAILED
    brief.reason = "" if result.variants else result.reason
    brief.save(update_fields=["status", "reason"])
    return brief.status
