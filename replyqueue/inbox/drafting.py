"""Turning what the clone proposes into drafts in the queue: the work behind the drafting tasks.

The clone (replyqueue.clone.services) triages and proposes; this module claims the comment,
stores drafts, supersedes old ones, and records the comment's outcome. Every function here is
safe to run twice: claims are conditional updates and the final status update lets one run win.
"""

import logging
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone.drafters import Proposal, get_drafter
from replyqueue.clone.embeddings import embed
from replyqueue.clone.language import stems
from replyqueue.clone.models import BriefStatus, ContentBrief, Persona
from replyqueue.clone.services import (
    MAX_ALTERNATIVES,
    comments_triage,
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
TRIAGE_BATCH = 128  # comments triaged together: one embedding call and one model pass
TRIAGE_BUDGET_SECONDS = 60  # then the task stops taking batches (below the 120 s soft time limit); the next task goes on


def comment_claim(comment_id: int) -> bool:
    """Stamp a triaged comment as being drafted; False if it is done or another worker holds it."""
    now = timezone.now()
    return bool(
        Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED, triaged_at__isnull=False)
        .filter(released_claim_q(now))
        .update(claimed_at=now, claimed_by=current_worker(), attempts=F("attempts") + 1)
    )


def comments_claim_for_triage(*, creator_id: int, first_id: int | None = None, limit: int = TRIAGE_BATCH) -> list[int]:
    """Claim `first_id` (if given) and the creator's other untriaged comments, `limit` in all, in
    one conditional UPDATE; returns the ids this worker got (another worker's claim, taken first,
    excludes a row: PostgreSQL re-checks the condition after waiting for its row lock, and SQLite
    writes one transaction at a time)."""
    now, worker = timezone.now(), current_worker()
    untriaged = Comment.objects.filter(creator_id=creator_id, status=CommentStatus.RECEIVED, triaged_at__isnull=True)
    others = untriaged.filter(released_claim_q(now)).exclude(id=first_id).order_by("id").values_list("id", flat=True)
    wanted = [first_id] if first_id is not None else []
    wanted += others[: limit - len(wanted)]
    if not wanted:
        return []
    untriaged.filter(id__in=wanted).filter(released_claim_q(now)).update(
        claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1
    )
    return list(Comment.objects.filter(id__in=wanted, claimed_by=worker, claimed_at=now).order_by("id").values_list("id", flat=True))


def comments_triage_waiting(*, creator_id: int, first_id: int | None = None) -> list[int]:
    """Triage the creator's waiting comments in batches (one embedding and one model pass per
    batch), `first_id` first, until none waits or the time budget is spent. Comments that are
    not drafted (no reply, the owner, a human) get their final status here; those to draft keep
    `received` with the triage recorded and their claim released: their own wake-up drafts them.
    Returns the ids left to draft."""
    deadline = time.monotonic() + TRIAGE_BUDGET_SECONDS
    to_draft: list[int] = []
    while time.monotonic() < deadline:
        ids = comments_claim_for_triage(creator_id=creator_id, first_id=first_id)
        first_id = None  # triaged (or held elsewhere) after the first batch
        if not ids:
            break
        comments = list(Comment.objects.select_related("fan").filter(id__in=ids).order_by("id"))
        to_draft += comments_record_triage(comments, comments_triage(comments, persona_for(creator_id)))
    return to_draft


TRIAGE_FIELDS = ["category", "language", "priority", "reasons", "owner_only", "labels", "triage_rule", "triaged_at"]
FINAL_FIELDS = ["status", "reason", "processed_at"]
RELEASE_FIELDS = ["claimed_at", "claimed_by", "attempts"]


@transaction.atomic
def comments_record_triage(comments: list[Comment], triages: list[Triage]) -> list[int]:
    """Record a batch's triage in one transaction: only rows still `received`, untriaged and
    claimed by this worker are written (locked first on PostgreSQL; SQLite's immediate
    transactions write one at a time), so a comment is recorded once whatever runs twice.
    Returns the ids left to draft."""
    now, worker = timezone.now(), current_worker()
    mine = set(
        Comment.objects.select_for_update()
        .filter(id__in=[c.id for c in comments], status=CommentStatus.RECEIVED, claimed_by=worker, triaged_at__isnull=True)
        .values_list("id", flat=True)
    )
    finals, drafts, alerts = [], [], []
    for comment, triage in zip(comments, triages, strict=True):
        if comment.id not in mine:
            continue
        comment.category, comment.language, comment.priority = triage.category, triage.language, triage.priority
        comment.reasons, comment.owner_only, comment.labels = triage.reasons, triage.owner_only, triage.labels
        comment.triage_rule, comment.triaged_at = triage.rule, now
        if triage.outcome == "draft":
            comment.claimed_at, comment.claimed_by, comment.attempts = None, "", 0  # drafting has its own attempts
            drafts.append(comment)
            continue
        comment.status = CommentStatus.NEEDS_HUMAN if triage.outcome == "needs_human" else CommentStatus.NO_REPLY
        comment.reason, comment.processed_at = triage.reasons[0][:500], now
        finals.append(comment)
        if triage.outcome == "needs_human" and (triage.owner_only or triage.category in ("threat", "sensitive")):
            alerts.append(comment.id)
    _save_fields(drafts, TRIAGE_FIELDS + RELEASE_FIELDS)
    _save_fields(finals, TRIAGE_FIELDS + FINAL_FIELDS)
    for comment_id in alerts:  # owner-only: the owners hear of it at once (a digest is for everything else)
        transaction.on_commit(lambda comment_id=comment_id: _enqueue_owner_alert(comment_id))
    return [c.id for c in drafts]


def _save_fields(comments: list[Comment], names: list[str]) -> None:
    """save(update_fields=names) for many rows in one executemany (psycopg pipelines it into one
    round trip; Django's bulk_update builds a CASE per field and row, slower than the triage
    itself). The caller holds the rows (locked in its transaction)."""
    if not comments:
        return
    fields = [Comment._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(Comment._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    rows = [[f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields] + [c.id] for c in comments]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def comment_process(*, comment_id: int) -> None:
    """Move a received comment on. Triage comes first, in batches: whatever wakes the worker,
    the creator's waiting comments are triaged (this one first) before anything is drafted, so a
    burst is sorted (spam filed, threats and distress sent to the owner) before the first draft.
    Then this comment is drafted if triage says so. Safe to run twice: claims are conditional
    updates and the final conditional status update lets only one run record an outcome."""
    row = Comment.objects.filter(id=comment_id, status=CommentStatus.RECEIVED).values("creator_id", "triaged_at").first()
    if row is None:
        return
    first = comment_id if row["triaged_at"] is None else None
    comments_triage_waiting(creator_id=row["creator_id"], first_id=first)
    if not comment_draft(comment_id=comment_id) and Comment.objects.filter(
        id=comment_id, status=CommentStatus.RECEIVED, triaged_at__isnull=True
    ).exclude(claimed_by="").exists():
        # Another worker's triage batch holds this comment, and this was its wake-up: come back
        # shortly rather than leave it to the sweeper (a dead worker's claim is released then).
        transaction.on_commit(lambda: _enqueue_process_comment_soon(comment_id))


def comment_draft(*, comment_id: int) -> bool:
    """Draft a triaged comment, or route it to a human when the clone abstains. False if it was
    not this run's to draft (not triaged yet, done, or held by another worker)."""
    if not comment_claim(comment_id):
        return False
    comment = Comment.objects.select_related("creator", "fan", "post", "triage_rule").get(id=comment_id)
    persona = persona_for(comment.creator_id)
    triage = triage_of(comment)
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


def _enqueue_process_comment_soon(comment_id: int) -> None:
    from replyqueue.inbox.tasks import enqueue_process_comment_soon  # tasks imports this module

    enqueue_process_comment_soon(comment_id)


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
