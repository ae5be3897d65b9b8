"""Turning what the clone proposes into drafts in the queue: the work behind the drafting tasks.

The clone (replyqueue.clone.services) triages and proposes; this module claims the comment,
stores drafts, supersedes old ones, and records the comment's outcome. Every function here is
safe to run twice: claims are conditional updates and the final status update lets one run win.
"""

import logging
import time
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from operator import attrgetter

from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from replyqueue.clone.calibration import Calibration
from replyqueue.clone.drafters import DraftingError, Proposal, get_drafter
from replyqueue.clone.embeddings import embed
from replyqueue.clone.language import stems
from replyqueue.clone.models import BriefStatus, ContentBrief, Persona
from replyqueue.clone.retrieval import Hit, search_many
from replyqueue.clone.services import (
    MAX_ALTERNATIVES,
    FanNames,
    capitalised_words,
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
from replyqueue.comments.models import SAFETY_CATEGORIES, Comment, CommentStatus
from replyqueue.core.explain import Reason, clipped, stored
from replyqueue.core.workers import current_worker, released_claim_q
from replyqueue.inbox.calibration import approval_chance, calibrations
from replyqueue.inbox.models import (
    Decision,
    DecisionAction,
    Draft,
    DraftRequest,
    DraftRequestKind,
    DraftRequestStatus,
    DraftStatus,
)
from replyqueue.inbox.notifications import needs_alert

log = logging.getLogger(__name__)
MAX_PROCESS_ATTEMPTS = 5
MAX_REQUEST_ATTEMPTS = 3
RETRIEVED = 5  # knowledge items the drafter sees for a comment
TRIAGE_BATCH = 128  # comments triaged together: one embedding call and one model pass
# Triage runs ahead of drafting by at most this many comments, so that their vectors are still in
# the embedding cache (embeddings.recent_vectors) when their drafts are written.
TRIAGE_AHEAD = 1024
TRIAGE_BUDGET_SECONDS = 60  # then the task stops taking batches (below the 120 s soft time limit); the next task goes on


def comments_claim(comment_ids: list[int]) -> list[int]:
    """Stamp the triaged comments among these as being drafted by this process, in one statement;
    returns the ones it got (not those untriaged, done already or held by another live worker)."""
    now, worker = timezone.now(), current_worker()
    waiting = Comment.objects.filter(id__in=comment_ids, status=CommentStatus.RECEIVED, triaged_at__isnull=False)
    waiting.filter(released_claim_q(now)).update(claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1)
    return list(waiting.filter(claimed_at=now, claimed_by=worker).values_list("id", flat=True))


def comments_claim_for_triage(*, creator_id: int, first_ids: list[int] = (), limit: int | None = None) -> list[int]:
    """Claim `first_ids` and the creator's other untriaged comments, `limit` in all, in one
    conditional UPDATE; returns the ids this worker got (another worker's claim, taken first,
    excludes a row: PostgreSQL re-checks the condition after waiting for its row lock, and SQLite
    writes one transaction at a time)."""
    now, worker, limit = timezone.now(), current_worker(), limit or TRIAGE_BATCH
    untriaged = Comment.objects.filter(creator_id=creator_id, status=CommentStatus.RECEIVED, triaged_at__isnull=True)
    wanted = list(first_ids)[:limit]
    others = untriaged.filter(released_claim_q(now)).exclude(id__in=wanted).order_by("id").values_list("id", flat=True)
    wanted += others[: limit - len(wanted)]
    if not wanted:
        return []
    untriaged.filter(id__in=wanted).filter(released_claim_q(now)).update(
        claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1
    )
    return list(Comment.objects.filter(id__in=wanted, claimed_by=worker, claimed_at=now).order_by("id").values_list("id", flat=True))


def comments_triage_waiting(*, creator_id: int, first_ids: list[int] = ()) -> list[int]:
    """Triage the creator's waiting comments in batches (one embedding and one model pass per
    batch), `first_ids` first, until none waits, TRIAGE_AHEAD wait for their draft or the time
    budget is spent. Comments that are
    not drafted (no reply, the owner, a human) get their final status here; those to draft keep
    `received` with the triage recorded and their claim released: their own wake-up drafts them.
    Returns the ids left to draft."""
    deadline = time.monotonic() + TRIAGE_BUDGET_SECONDS
    to_draft: list[int] = []
    while time.monotonic() < deadline:
        if not first_ids and triaged_for_drafting(creator_id) >= TRIAGE_AHEAD:
            break
        ids = comments_claim_for_triage(creator_id=creator_id, first_ids=first_ids)
        first_ids = []  # triaged (or held elsewhere) after the first batch
        if not ids:
            break
        comments = list(Comment.objects.select_related("fan").filter(id__in=ids).order_by("id"))
        to_draft += comments_record_triage(comments, comments_triage(comments, persona_for(creator_id)))
        if len(ids) < TRIAGE_BATCH:  # none was left waiting a moment ago: later ones have their own wake-ups
            break
    return to_draft


def triaged_for_drafting(creator_id: int) -> int:
    """How many of the creator's comments are triaged and wait for their draft (up to TRIAGE_AHEAD)."""
    waiting = Comment.objects.filter(creator_id=creator_id, status=CommentStatus.RECEIVED, triaged_at__isnull=False)
    return waiting[:TRIAGE_AHEAD].count()


TRIAGE_FIELDS = ["category", "language", "priority", "reasons", "reasons_i18n", "owner_only", "labels", "triage_rule", "triaged_at"]
FINAL_FIELDS = ["status", "reason", "reason_i18n", "processed_at"]
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
        _take_triage(comment, triage)
        comment.triaged_at = now
        if triage.outcome == "draft":
            comment.claimed_at, comment.claimed_by, comment.attempts = None, "", 0  # drafting has its own attempts
            drafts.append(comment)
            continue
        comment.status = CommentStatus.NEEDS_HUMAN if triage.outcome == "needs_human" else CommentStatus.NO_REPLY
        _take_reason(comment, triage)
        comment.processed_at = now
        finals.append(comment)
        if needs_alert(comment):
            alerts.append(comment.id)
    _save_fields(drafts, TRIAGE_FIELDS + RELEASE_FIELDS)
    _save_fields(finals, TRIAGE_FIELDS + FINAL_FIELDS)
    if alerts:  # owner-only: the owners hear of it at once, one email for the batch (a digest is for everything else)
        transaction.on_commit(partial(_enqueue_owner_alerts, alerts))
    return [c.id for c in drafts]


def _take_triage(comment: Comment, triage: Triage) -> None:
    comment.category, comment.language, comment.priority = triage.category, triage.language, triage.priority
    comment.reasons, comment.owner_only, comment.labels = triage.reasons, triage.owner_only, triage.labels
    comment.reasons_i18n = [stored(r) for r in triage.reasons]
    comment.triage_rule = triage.rule


def _take_reason(comment: Comment, triage: Triage) -> None:
    """The comment's one-line reason, for a comment triage decided without a draft."""
    comment.reason = clipped(triage.reasons[0], 500)
    comment.reason_i18n = stored(comment.reason)


RETRIAGE_SCAN = 200  # waiting safety cases looked at when the owner marks one spam (newest first)
RETRIAGE_FIELDS = [name for name in TRIAGE_FIELDS if name != "triaged_at"] + ["reason", "reason_i18n"]


@transaction.atomic
def comments_retriage_flagged_copies(comment: Comment) -> list[int]:
    """After the owner marks a safety case spam: their other waiting safety cases that triage now
    sends to them as possibly spam (near-copies of it the safety model flagged, triage.copies_marked_spam)
    take that triage, so a raid of the same flagged bot leaves the top of the queue and "mark similar"
    can clear it. They still wait for the owner. Returns their ids."""
    waiting = list(
        Comment.objects.select_for_update().filter(
            creator_id=comment.creator_id, status=CommentStatus.NEEDS_HUMAN, category__in=SAFETY_CATEGORIES,
        ).exclude(id=comment.id).select_related("fan").order_by("-received_at")[:RETRIAGE_SCAN]
    )
    if not waiting:
        return []
    triages = comments_triage(waiting, persona_for(comment.creator_id))
    moved = [(c, t) for c, t in zip(waiting, triages, strict=True) if t.safety_doubt]
    for copy, triage in moved:
        _take_triage(copy, triage)
        _take_reason(copy, triage)
    _save_fields([c for c, _ in moved], RETRIAGE_FIELDS)
    return [c.id for c, _ in moved]


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
    """`comments_process` for one comment; raises DraftingError when its drafting failed (the
    claim is released so a retry can take it)."""
    failed = comments_process(comment_ids=[comment_id])
    if failed:
        raise failed[comment_id]


def comments_process(*, comment_ids: list[int]) -> dict[int, DraftingError]:
    """Move received comments on. Triage comes first, in batches: whatever wakes the worker, the
    creators' waiting comments are triaged (these first) before anything is drafted, so a burst
    is sorted (spam filed, threats and distress sent to the owner) before the first draft. Then
    these comments are drafted if triage says so, a burst at a time. Safe to run twice: claims are
    conditional updates and the final conditional status update lets only one run record an
    outcome. Returns the comments whose drafting failed, their claims released."""
    untriaged: dict[int, list[int]] = {}
    for comment_id, creator_id, triaged_at in Comment.objects.filter(
        id__in=comment_ids, status=CommentStatus.RECEIVED
    ).values_list("id", "creator_id", "triaged_at"):
        untriaged.setdefault(creator_id, [])
        if triaged_at is None:
            untriaged[creator_id].append(comment_id)
    for creator_id, first_ids in untriaged.items():
        comments_triage_waiting(creator_id=creator_id, first_ids=first_ids)
    claimed = comments_claim(comment_ids)
    failed = comments_draft(claimed)
    waiting = list(
        Comment.objects.filter(id__in=set(comment_ids) - set(claimed), status=CommentStatus.RECEIVED)
        .values_list("id", flat=True)
    )
    if waiting:
        # Another worker held these when this, their wake-up, came: its triage batch (their
        # draft is then up to a wake-up, and theirs may have passed) or its drafting. Come back
        # shortly rather than leave them to the sweeper; a run that finds them done does nothing.
        transaction.on_commit(partial(_enqueue_process_comments_soon, waiting))
    return failed


def comments_draft(claimed: list[int]) -> dict[int, DraftingError]:
    """Draft these claimed comments, or route them to a human where the clone abstains: the texts
    embedded in one batch, what belongs to the creator (persona, rejections, calibration, the
    fans' history) read once, one search pass, one write. Returns the comments whose drafting
    failed (their claims released)."""
    if not claimed:
        return {}
    comments = list(
        Comment.objects.select_related("creator", "fan", "post", "triage_rule").filter(id__in=claimed).order_by("creator_id", "id")
    )
    embed([c.text for c in comments])  # one batch; retrieval and fan history find them cached
    failed, crashed, outcomes = {}, [], []
    for creator_id, group in groupby(comments, key=attrgetter("creator_id")):
        group = list(group)
        persona = persona_for(creator_id)
        creator = CreatorRecall.load(creator_id, group)
        retrieved = knowledge_for(group, persona)
        # The drafts are made of their sources' words: which of those are fans' names, in one query.
        creator.fan_names.among(set().union(*(capitalised_words(h.item.body) for hits in retrieved.values() for h in hits)))
        for comment in group:
            try:
                outcomes.append(comment_outcome(comment, persona, triage_of(comment), creator, retrieved.get(comment.id)))
            except DraftingError as error:
                failed[comment.id] = error
            except Exception:  # a bug met by one comment must not hold the others: the sweeper retries it
                log.exception("drafting comment %s failed", comment.id)
                crashed.append(comment.id)
    if failed or crashed:  # released: a retry (or the sweeper) takes them again
        Comment.objects.filter(id__in=[*failed, *crashed]).update(claimed_at=None, claimed_by="")
    comments_finish(outcomes)
    return failed


def knowledge_for(comments: list[Comment], persona: Persona) -> dict[int, list[Hit]]:
    """The knowledge retrieved for each comment of one creator, by comment id, in one search."""
    found = search_many(
        creator_id=persona.creator_id, texts=[c.text for c in comments], limit=RETRIEVED,
        knowledge_version=persona.knowledge_version, languages=[c.language for c in comments],
    )
    return {comment.id: hits for comment, hits in zip(comments, found, strict=True)}


@dataclass
class Outcome:
    """What becomes of a triaged comment: its status and reason, and the draft if there is one."""

    comment: Comment
    status: str
    reason: str = ""
    draft: Draft | None = None


def comment_outcome(
    comment: Comment, persona: Persona, triage: Triage, creator: "CreatorRecall", hits: list[Hit] | None = None
) -> Outcome:
    """The draft for a comment triage said to draft, or the drafter's abstention."""
    context = comment_context(
        comment, persona, triage, rejected=creator.rejected, hits=hits, history=creator.histories.get(comment.fan_id, [])
    )
    proposal = get_drafter().propose(context)
    if proposal.abstained:
        return Outcome(comment, CommentStatus.NEEDS_HUMAN, proposal.abstain_reason)
    comment.priority = triage.priority
    known = {hit.item.id: hit.item for hit in context.hits}
    draft = draft_build(comment, proposal, persona, calibration=creator.calibration, known=known, fan_names=creator.fan_names)
    return Outcome(comment, CommentStatus.DRAFTED, draft=draft)


@dataclass
class CreatorRecall:
    """What drafting needs to remember of one creator's decisions, read once per burst."""

    rejected: list[tuple[set[str], list[int]]]  # (stems of the comment, sources) of rejected drafts
    calibration: Calibration
    histories: dict[int, list[Draft]]  # the fans' approved drafts, by fan id (fan_histories)
    fan_names: FanNames  # for the facts guard: which words of the drafts are other fans' names

    @classmethod
    def load(cls, creator_id: int, comments: list[Comment]) -> "CreatorRecall":
        return cls(
            rejected=rejected_drafts(creator_id),
            calibration=calibrations.for_creator(creator_id),
            histories=fan_histories(comments),
            fan_names=FanNames(creator_id),
        )


def fan_histories(comments: list[Comment], recent: int = 20) -> dict[int, list[Draft]]:
    """The last approved replies to each of these comments' fans, by fan id, in one query."""
    if not comments:
        return {}
    rows = (
        Draft.objects.filter(
            creator_id=comments[0].creator_id, comment__fan_id__in={c.fan_id for c in comments}, status=DraftStatus.APPROVED
        )
        .annotate(nth=Window(RowNumber(), partition_by=F("comment__fan_id"), order_by=F("id").desc()))
        .filter(nth__lte=recent + len(comments))  # the comments themselves may be among them
        .select_related("comment")
        .order_by("-id")
    )
    by_fan: dict[int, list[Draft]] = {}
    for draft in rows:
        by_fan.setdefault(draft.comment.fan_id, []).append(draft)
    return by_fan


def fan_history(comment: Comment, limit: int = 3, recent: int = 20, earlier: list[Draft] | None = None) -> list[tuple[str, str]]:
    """What this fan asked before and was told (approved replies only), the exchanges closest in
    meaning to this comment first: "did the lens arrive?" finds "which lens should I buy?".
    `earlier`: the fan's approved drafts, newest first, if already read (fan_histories)."""
    if earlier is None:
        earlier = fan_histories([comment], recent).get(comment.fan_id, [])
    earlier = [d for d in earlier if d.comment_id != comment.id][:recent]
    if len(earlier) > limit:
        vectors = embed([comment.text] + [d.comment.text for d in earlier])
        relevance = vectors[1:] @ vectors[0]
        earlier = [d for _, d in sorted(zip(relevance, earlier, strict=True), key=lambda pair: -pair[0])][:limit]
    return [(d.comment.text, d.text) for d in earlier]


def rejected_drafts(creator_id: int, limit: int = 300) -> list[tuple[set[str], list[int]]]:
    """The creator's last rejected drafts of comments: the comment's stems and the draft's sources."""
    rejected = (
        Decision.objects.filter(creator_id=creator_id, action=DecisionAction.REJECT, draft__comment__isnull=False)
        .order_by("-id")
        .values_list("draft__comment__text", "draft__comment__language", "draft__sources")[:limit]
    )
    return [(set(stems(text, language)), sources) for text, language, sources in rejected]


def rejected_sources_for(comment: Comment, rejected: list[tuple[set[str], list[int]]] | None = None) -> set[int]:
    """Sources of drafts people rejected for comments like this one: not to be proposed again."""
    mine = set(stems(comment.text, comment.language))
    if not mine:
        return set()
    if rejected is None:
        rejected = rejected_drafts(comment.creator_id)
    avoid = set()
    for theirs, sources in rejected:
        if theirs and len(mine & theirs) / len(mine | theirs) >= 0.5:
            avoid.update(sources)
    return avoid


def comment_context(
    comment: Comment,
    persona: Persona,
    triage: Triage,
    instruction: str = "",
    limit: int = RETRIEVED,
    rejected: list[tuple[set[str], list[int]]] | None = None,
    hits: list[Hit] | None = None,
    history: list[Draft] | None = None,
):
    """What the drafter sees for a stored comment: the fan, their history, the post, and the
    knowledge retrieved for it (`hits`, if already found) minus answers people rejected for
    similar comments."""
    return reply_context(
        persona=persona,
        text=comment.text,
        triage=triage,
        fan_name=comment.fan.name,
        fan_history=fan_history(comment, earlier=history),
        post_title=comment.post.title if comment.post else "",
        instruction=instruction,
        avoid=rejected_sources_for(comment, rejected),
        limit=limit,
        hits=hits,
    )


def draft_build(
    comment: Comment,
    proposal: Proposal,
    persona: Persona,
    generation: int = 1,
    rank: int = 0,
    instruction: str = "",
    *,
    calibration: Calibration | None = None,
    known: dict | None = None,
    fan_names: FanNames | None = None,
) -> Draft:
    """The draft of a proposal. `calibration`, `known` (the retrieved items, by id) and
    `fan_names` spare reading again what the caller already has."""
    chance = calibration.chance(proposal.confidence) if calibration else approval_chance(comment.creator_id, proposal.confidence)
    return Draft(
        creator_id=comment.creator_id,
        comment=comment,
        text=proposal.text,
        drafted_text=proposal.text,
        sources=proposal.sources,
        confidence=proposal.confidence,
        approval_chance=chance,
        flags=facts_flags(proposal.text, proposal.sources, persona, comment.fan.name, known=known, fan_names=fan_names),
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


@transaction.atomic
def comments_finish(outcomes: list[Outcome]) -> None:
    """Record the outcomes in one transaction; for each comment, only the run that still sees it
    `received` records anything (a draft another run already made stays the only one)."""
    ids = [outcome.comment.id for outcome in outcomes]
    still_received = set(
        Comment.objects.select_for_update().filter(id__in=ids, status=CommentStatus.RECEIVED).values_list("id", flat=True)
    )
    finished, drafts, alerts, now = [], [], [], timezone.now()
    for outcome in (o for o in outcomes if o.comment.id in still_received):
        comment = outcome.comment
        comment.status, comment.reason, comment.processed_at = outcome.status, clipped(outcome.reason, 500), now
        comment.reason_i18n = stored(comment.reason)
        finished.append(comment)
        if needs_alert(comment):
            alerts.append(comment.id)  # owner-only: the owners hear of it at once (a digest is for everything else)
        if outcome.draft is not None:
            drafts.append(outcome.draft)
    _save_fields(finished, FINAL_FIELDS)
    Draft.objects.bulk_create(drafts, ignore_conflicts=True)
    if alerts:
        transaction.on_commit(partial(_enqueue_owner_alerts, alerts))


def _enqueue_process_comments_soon(comment_ids: list[int]) -> None:
    from replyqueue.inbox.tasks import enqueue_process_comments_soon  # tasks imports this module

    enqueue_process_comments_soon(comment_ids)


def _enqueue_owner_alerts(comment_ids: list[int]) -> None:
    from replyqueue.inbox.tasks import enqueue_owner_alerts  # tasks imports this module

    enqueue_owner_alerts(comment_ids)


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
    proposals, why = propose_alternatives(context, min(max(count, 1), MAX_ALTERNATIVES))
    with transaction.atomic():
        drafts_supersede(comment_id=comment.id)
        if proposals:
            generation = Draft.latest_generation(comment.id) + 1
            for rank, proposal in enumerate(proposals):
                draft_build(comment, proposal, persona, generation, rank, request.instruction).save()
            status, reason = CommentStatus.DRAFTED, ""
        else:
            status = CommentStatus.NEEDS_HUMAN
            # The drafter's own words say why ("Not sure: ... at 29% (a draft needs 35%)").
            reason = clipped(why or Reason("Asked to draft again, but nothing the creator has said answers this comment."), 500)
        Comment.objects.filter(id=comment.id).update(status=status, reason=reason, reason_i18n=stored(reason))
        DraftRequest.objects.filter(id=request.id).update(
            status=DraftRequestStatus.DONE, outcome=status, finished_at=timezone.now(), error="", found=len(proposals)
        )
    return status


def draft_request_fail(*, request_id: int, error: str) -> None:
    """A request that failed for good says why on its row; the card shows it."""
    DraftRequest.objects.filter(id=request_id, status=DraftRequestStatus.PENDING).update(
        status=DraftRequestStatus.FAILED, error=error[:1000], finished_at=timezone.now()
    )


def briefs_fail(brief_ids: list[int], error: str) -> None:
    """Briefs whose drafting failed for good say why (the inbox lists them), instead of waiting forever."""
    reason = clipped(Reason("Drafting failed: %(error)s", error=error), 500)
    ContentBrief.objects.filter(id__in=brief_ids, status=BriefStatus.RECEIVED).update(
        status=BriefStatus.FAILED, reason=reason, reason_i18n=stored(reason)
    )


def brief_draft(*, brief_id: int) -> str:
    """Draft the brief's variants as pending drafts (rank 0 first, the others as alternatives).
    The attempt is counted before drafting, in its own commit, so that one the worker never
    finishes still counts."""
    ContentBrief.objects.filter(id=brief_id, status=BriefStatus.RECEIVED).update(attempts=F("attempts") + 1)
    with transaction.atomic():
        return _brief_draft(brief_id)


def _brief_draft(brief_id: int) -> str:
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
    brief.reason = "" if result.variants else clipped(result.reason, 500)
    brief.reason_i18n = stored(brief.reason)
    brief.save(update_fields=["status", "reason", "reason_i18n"])
    return brief.status
