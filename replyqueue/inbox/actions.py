"""Every decision a person or an API client takes, in one place: the inbox, the API, bulk
actions and code all call these functions.

Each action checks the actor against the role policy (policy.py), acts in one transaction
with conditional updates, and writes a `Decision` row saying who did what, with the state
before and after. Work it asks for (drafting again, variants, a send) is enqueued only after
the commit, and rests on a row the sweeper can see.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Creator, Membership, Role, User
from replyqueue.clone.models import ContentBrief, TriageFeedbackSource
from replyqueue.clone.services import (
    MAX_ALTERNATIVES,
    drafter_abilities,
    instruction_not_followed,
    knowledge_forget,
    knowledge_from_creator_answer,
    knowledge_learn_from_reply,
    triage_feedback_record,
    triage_feedback_record_approvals,
)
from replyqueue.clone.variants import brief_create
from replyqueue.comments.models import Category, Comment, CommentStatus
from replyqueue.core.explain import Reason, stored
from replyqueue.inbox import policy
from replyqueue.inbox.drafting import comments_retriage_flagged_copies, drafts_supersede
from replyqueue.inbox.models import (
    MAX_REPLY_CHARS,
    Decision,
    DecisionAction,
    Draft,
    DraftRequest,
    DraftRequestKind,
    DraftStatus,
)
from replyqueue.inbox.tasks import enqueue_brief, enqueue_draft_request
from replyqueue.publishing.models import Publication
from replyqueue.publishing.services import (
    publication_cancel,
    publication_create,
    publication_retry,
    publications_create,
)

SPAMMY = (Category.SPAM, Category.ABUSE)


@dataclass(frozen=True)
class Actor:
    """Who is deciding: a member with a role, or an API token (acting with owner rights)."""

    role: str
    user: User | None = None
    token: ApiToken | None = None

    @classmethod
    def for_member(cls, membership: Membership) -> "Actor":
        return cls(role=membership.role, user=membership.user)

    @classmethod
    def for_token(cls, token: ApiToken) -> "Actor":
        return cls(role=Role.OWNER, token=token)


class DecisionError(Exception):
    status_code = 400


class NotAllowed(DecisionError):
    status_code = 403


class Conflict(DecisionError):
    """Someone else decided first, or the client's version is stale."""

    status_code = 409

    def __init__(self, message: str, draft: Draft):
        super().__init__(message)
        self.draft = draft


class NeedsConfirmation(DecisionError):
    """The approval is allowed but needs an explicit confirmation (the fan wrote again)."""

    status_code = 409

    def __init__(self, message: str, draft: Draft):
        super().__init__(message)
        self.draft = draft


def _refuse(reason: str | None) -> None:
    if reason:
        raise NotAllowed(reason)


def _conflict(draft: Draft) -> Conflict:
    current = Draft.objects.get(pk=draft.pk)
    message = _("This draft is already %(status)s (version %(version)s).") % {
        "status": DraftStatus(current.status).label, "version": current.version,
    }
    return Conflict(message, current)


def _normalised(text: str) -> str:
    """A reply as it is compared and sent: browsers submit a textarea with CRLF line endings,
    and whitespace at either end is never what a reviewer meant to change."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean_text(text: str) -> str:
    text = _normalised(text)
    if not text:
        raise DecisionError(_("The reply text cannot be empty."))
    if len(text) > MAX_REPLY_CHARS:
        raise DecisionError(
            _("The reply is too long (%(length)s characters, at most %(limit)s).")
            % {"length": len(text), "limit": MAX_REPLY_CHARS}
        )
    return text


def _record(
    actor: Actor, action: str, *, creator_id: int, draft: Draft | None = None, comment_id: int | None = None,
    before: str = "", after: str = "", reason: str = "",
) -> Decision:
    return Decision.objects.create(
        creator_id=creator_id,
        draft=draft,
        comment_id=comment_id if comment_id is not None else (draft.comment_id if draft else None),
        action=action,
        user=actor.user,
        token=actor.token,
        before_text=before,
        after_text=after,
        reason=reason[:500],
    )


@transaction.atomic
def draft_approve(
    *, draft: Draft, actor: Actor, text: str | None = None, version: int | None = None, send_at: datetime | None = None,
    confirm: bool = False,
) -> Publication | None:
    """Approve (optionally with an edited text). Writes the Publication in the same transaction;
    `send_at` schedules it (never before the undo window ends). A draft whose fan wrote again
    since needs `confirm` (NeedsConfirmation otherwise)."""
    _refuse(policy.approve_refusal(actor.role, draft))
    if version is not None and version != draft.version:
        raise _conflict(draft)
    if not confirm and draft.status == DraftStatus.PENDING and (warning := policy.stale_thread_warning(draft)):
        raise NeedsConfirmation(warning, draft)
    new_text = _clean_text(text if text is not None else draft.text)
    edited = new_text != _normalised(draft.text)
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = Draft.objects.filter(id=draft.id, status=DraftStatus.PENDING, version=draft.version).update(
                status=DraftStatus.APPROVED, text=new_text, version=F("version") + 1, decided_at=now
            )
    except IntegrityError:  # another draft of this comment was approved first
        raise _conflict(draft) from None
    if not claimed:
        raise _conflict(draft)
    before = draft.text
    # What the UPDATE wrote, without re-reading the row (and losing the related objects loaded with it).
    draft.status, draft.text, draft.version, draft.decided_at = DraftStatus.APPROVED, new_text, draft.version + 1, now
    drafts_supersede(comment_id=draft.comment_id, brief_id=draft.brief_id)
    action = DecisionAction.EDIT_APPROVE if edited else DecisionAction.APPROVE
    _record(actor, action, creator_id=draft.creator_id, draft=draft, before=before, after=new_text)
    if draft.brief_id:
        return None  # a content variant is for the creator to use: nothing to publish
    comment = draft.comment
    triage_feedback_record(comment=comment, category=comment.category or Category.OTHER, source=TriageFeedbackSource.APPROVAL)
    if edited:
        knowledge_learn_from_reply(comment=comment, reply=new_text, origin=f"approved_draft:{draft.id}")
    return publication_create(draft=draft, send_at=send_at)


@transaction.atomic
def draft_reject(*, draft: Draft, actor: Actor, reason: str = "", version: int | None = None) -> Draft:
    _refuse(policy.reject_refusal(actor.role, draft))
    if version is not None and version != draft.version:
        raise _conflict(draft)
    claimed = Draft.objects.filter(id=draft.id, status=DraftStatus.PENDING, version=draft.version).update(
        status=DraftStatus.REJECTED, version=F("version") + 1, decided_at=timezone.now()
    )
    if not claimed:
        raise _conflict(draft)
    draft.refresh_from_db()
    _record(actor, DecisionAction.REJECT, creator_id=draft.creator_id, draft=draft, before=draft.text, reason=reason.strip())
    return draft


@transaction.atomic
def draft_undo(*, draft: Draft, actor: Actor) -> Draft:
    """Take an approval back while its reply is still inside the undo window; what the approval
    taught the clone is forgotten with it."""
    _refuse(policy.reject_refusal(actor.role, draft))
    if draft.status != DraftStatus.APPROVED or not publication_cancel(draft=draft):
        raise Conflict(_("Too late to undo: the reply is already being sent."), draft)
    Draft.objects.filter(id=draft.id, status=DraftStatus.APPROVED).update(
        status=DraftStatus.PENDING, version=F("version") + 1, decided_at=None
    )
    draft.refresh_from_db()
    knowledge_forget(creator_id=draft.creator_id, origin=f"approved_draft:{draft.id}")
    _record(actor, DecisionAction.UNDO, creator_id=draft.creator_id, draft=draft, before=draft.text)
    return draft


@dataclass
class BulkResult:
    approved: list[int]
    skipped: dict[int, str]  # draft id -> why


def drafts_bulk_approve(*, creator_id: int, actor: Actor, draft_ids: list[int]) -> BulkResult:
    """Approve many drafts in one transaction; the answer says which were skipped and why.

    The policy is decided per draft, exactly as for a single approval (role, routine, the fan
    wrote again, the state of the draft); the writes are batched: the drafts are locked, then one
    UPDATE, one supersede, one INSERT of decisions, of triage verdicts and of publications. If the
    batch meets a concurrent decision it cannot see (an alternative of the same comment approved
    meanwhile), it falls back to one savepoint per draft through draft_approve."""
    if actor.role == Role.VIEWER:
        raise NotAllowed(_("Viewers cannot approve drafts."))
    result = BulkResult(approved=[], skipped={})
    try:
        with transaction.atomic():
            _bulk_approve_batched(creator_id, actor, draft_ids, result)
    except IntegrityError:
        result = BulkResult(approved=[], skipped={})
        with transaction.atomic():
            _bulk_approve_one_by_one(creator_id, actor, draft_ids, result)
    return result


def _bulk_drafts(creator_id: int, draft_ids: list[int], lock: bool) -> list[Draft]:
    drafts = Draft.objects.filter(creator_id=creator_id, id__in=draft_ids)
    if lock:  # a single approval of one of these waits for the batch, then sees it decided
        drafts = drafts.select_for_update(of=("self",))
    return list(drafts.select_related("comment__channel", "creator__persona").order_by("id"))


def _bulk_checks(creator_id: int, actor: Actor, draft_ids: list[int], drafts: list[Draft], result: BulkResult) -> list[Draft]:
    """The per-draft policy of an approval; returns the drafts that may be approved."""
    found = {d.id for d in drafts}
    for missing in set(draft_ids) - found:
        result.skipped[missing] = _("not found")
    pending = [d for d in drafts if d.status == DraftStatus.PENDING]
    for draft in drafts:
        if draft.status != DraftStatus.PENDING:
            result.skipped[draft.id] = _("already %(status)s") % {"status": DraftStatus(draft.status).label}
    stale = policy.stale_threads(pending)
    comment_ids = {d.comment_id for d in pending if d.comment_id}
    answered = set(
        Draft.objects.filter(comment_id__in=comment_ids, status=DraftStatus.APPROVED).values_list("comment_id", flat=True)
    ) if comment_ids else set()
    allowed = []
    for draft in pending:
        if reason := policy.approve_refusal(actor.role, draft):
            result.skipped[draft.id] = reason
        elif draft.id in stale:  # the same check as a single approval; bulk never confirms for you
            result.skipped[draft.id] = _("the fan wrote again since: approve it on its own")
        elif draft.comment_id and draft.comment_id in answered:
            result.skipped[draft.id] = _("another draft of this comment is already approved")
        else:
            try:
                _clean_text(draft.text)
            except DecisionError as error:
                result.skipped[draft.id] = str(error)
                continue
            if draft.comment_id:
                answered.add(draft.comment_id)  # one approved draft per comment
            allowed.append(draft)
    return allowed


def _bulk_approve_batched(creator_id: int, actor: Actor, draft_ids: list[int], result: BulkResult) -> None:
    drafts = _bulk_drafts(creator_id, draft_ids, lock=True)
    allowed = _bulk_checks(creator_id, actor, draft_ids, drafts, result)
    if not allowed:
        return
    now = timezone.now()
    ids = [d.id for d in allowed]
    updated = Draft.objects.filter(id__in=ids, status=DraftStatus.PENDING).update(
        status=DraftStatus.APPROVED, version=F("version") + 1, decided_at=now
    )
    if updated != len(ids):  # cannot happen under the row locks; never approve half-knowingly
        raise IntegrityError("bulk approval raced")
    before = {d.id: d.text for d in allowed}
    for draft in allowed:
        draft.status, draft.version, draft.decided_at = DraftStatus.APPROVED, draft.version + 1, now
        if (clean := _normalised(draft.text)) != draft.text:  # rare: CRLF or spaces at the ends, as sent
            draft.text = clean
            Draft.objects.filter(id=draft.id).update(text=clean)
    comments = [d.comment for d in allowed if d.comment_id]
    briefs = {d.brief_id for d in allowed if d.brief_id}
    Draft.objects.filter(status=DraftStatus.PENDING).filter(
        Q(comment_id__in=[c.id for c in comments]) | Q(brief_id__in=briefs)
    ).update(status=DraftStatus.SUPERSEDED, version=F("version") + 1)
    Decision.objects.bulk_create([
        Decision(
            creator_id=d.creator_id, draft=d, comment_id=d.comment_id, action=DecisionAction.APPROVE,
            user=actor.user, token=actor.token, before_text=before[d.id], after_text=d.text, created_at=now,
        )
        for d in allowed
    ])
    triage_feedback_record_approvals(comments=comments)
    publications_create(drafts=[d for d in allowed if d.comment_id])
    result.approved = ids


def _bulk_approve_one_by_one(creator_id: int, actor: Actor, draft_ids: list[int], result: BulkResult) -> None:
    drafts = _bulk_drafts(creator_id, draft_ids, lock=False)
    for draft in _bulk_checks(creator_id, actor, draft_ids, drafts, result):
        try:
            with transaction.atomic():
                # confirm: the stale-thread check ran for the whole batch in _bulk_checks.
                draft_approve(draft=draft, actor=actor, version=draft.version, confirm=True)
        except (DecisionError, IntegrityError) as error:
            result.skipped[draft.id] = str(error)
            continue
        result.approved.append(draft.id)


def _request_redraft(comment: Comment, actor: Actor, kind: str, instruction: str = "", count: int = 1) -> DraftRequest:
    request = DraftRequest.objects.create(
        creator_id=comment.creator_id, comment=comment, kind=kind, instruction=instruction[:200],
        count=min(max(count, 1), MAX_ALTERNATIVES), requested_by=actor.user,
    )
    transaction.on_commit(lambda: enqueue_draft_request([request.id]))
    return request


def _refuse_what_the_drafter_cannot_do(instruction: str, alternatives: int) -> None:
    """Say so up front rather than hand back a draft that ignored what was asked."""
    abilities = drafter_abilities()
    if not instruction and alternatives <= 1 and not abilities.varies_without_instruction:
        raise DecisionError(
            _("The offline drafter would write the same draft again. Give an instruction (%(help)s) or ask for alternatives.")
            % {"help": abilities.instruction_help}
        )
    if instruction and (unfollowed := instruction_not_followed(instruction)):
        raise DecisionError(
            _("The offline drafter cannot follow “%(parts)s”: it can only make a draft %(help)s. Edit the text yourself instead.")
            % {"parts": "”, “".join(unfollowed), "help": abilities.instruction_help}
        )


@transaction.atomic
def draft_regenerate(*, draft: Draft, actor: Actor, instruction: str = "", alternatives: int = 1) -> DraftRequest:
    """Ask the clone for a new draft of this comment (with an instruction) or for alternatives."""
    if draft.comment_id is None:
        raise DecisionError(_("Content variants cannot be regenerated: ask for new variants instead."))
    _refuse(policy.act_refusal(actor.role, draft.comment))
    if draft.status != DraftStatus.PENDING:
        raise _conflict(draft)
    _refuse_what_the_drafter_cannot_do(instruction.strip(), alternatives)
    kind = DraftRequestKind.ALTERNATIVES if alternatives > 1 else DraftRequestKind.REGENERATE
    action = DecisionAction.ALTERNATIVES if alternatives > 1 else DecisionAction.REGENERATE
    _record(actor, action, creator_id=draft.creator_id, draft=draft, before=draft.text, reason=instruction)
    return _request_redraft(draft.comment, actor, kind, instruction, alternatives)


@transaction.atomic
def comment_draft_anyway(*, comment: Comment, actor: Actor) -> DraftRequest:
    """Draft a comment triage set aside (no reply, or waiting for a human)."""
    _refuse(policy.act_refusal(actor.role, comment))
    _record(actor, DecisionAction.DRAFT_ANYWAY, creator_id=comment.creator_id, comment_id=comment.id, before=comment.status)
    return _request_redraft(comment, actor, DraftRequestKind.DRAFT_ANYWAY)


@transaction.atomic
def comment_mark(*, comment: Comment, actor: Actor, category: str) -> None:
    """A person's verdict on the category. It trains the creator's triage; a comment marked
    spam/abuse stops waiting for a reply, and one cleared of it gets drafted. A safety case marked
    spam moves its waiting flagged copies to "possibly spam" (drafting.comments_retriage_flagged_copies)."""
    _refuse(policy.act_refusal(actor.role, comment))
    if category not in Category.values:
        raise DecisionError(_("Unknown category."))
    triage_feedback_record(comment=comment, category=category, user=actor.user)
    was = comment.status
    if category in SPAMMY and was != CommentStatus.NO_REPLY:
        drafts_supersede(comment_id=comment.id)
        reason = Reason("marked %(category)s by a reviewer", category=category)
        Comment.objects.filter(id=comment.id).update(
            category=category, status=CommentStatus.NO_REPLY, reason=reason, reason_i18n=stored(reason)
        )
    else:
        Comment.objects.filter(id=comment.id).update(category=category)
    _record(
        actor, DecisionAction.MARK, creator_id=comment.creator_id, comment_id=comment.id,
        before=comment.category, after=category,
    )
    if category == Category.SPAM and comment.is_safety_case:
        comments_retriage_flagged_copies(comment)
    if category not in SPAMMY and was == CommentStatus.NO_REPLY:
        _request_redraft(comment, actor, DraftRequestKind.DRAFT_ANYWAY)


@transaction.atomic
def draft_comment_mark(*, draft: Draft, actor: Actor, category: str) -> None:
    """Spam or abuse, from the review queue: the draft's comment is marked as comment_mark does,
    unless someone decided the draft meanwhile (an approved reply stays approved)."""
    if category not in SPAMMY or draft.comment is None:
        raise DecisionError(_("Only a fan's comment can be marked spam or abuse."))
    if Draft.objects.select_for_update().get(pk=draft.pk).status != DraftStatus.PENDING:
        raise _conflict(draft)
    comment_mark(comment=draft.comment, actor=actor, category=category)


@dataclass
class MarkResult:
    marked: list[int]  # comment ids
    left_queue: list[int]  # ids of the pending drafts those comments no longer need
    skipped: dict[int, str]  # comment id -> why not


@transaction.atomic
def comments_mark(*, creator_id: int, actor: Actor, comment_ids: list[int], category: str) -> MarkResult:
    """The same verdict on several of the creator's comments (the ones that read like a comment
    just marked): each is marked as comment_mark does, with its own Decision. Spam or abuse files
    them, skipping a safety case (the owner sees it whatever a mark says) and a comment answered
    meanwhile; another category restores filed ones (each gets a draft), skipping the others.
    A comment the actor may not act on is skipped too."""
    if category not in Category.values:
        raise DecisionError(_("Unknown category."))
    result = MarkResult(marked=[], left_queue=[], skipped={})
    comments = {c.id: c for c in Comment.objects.filter(creator_id=creator_id, id__in=comment_ids)}
    pending = dict(
        Draft.objects.filter(comment_id__in=list(comments), status=DraftStatus.PENDING).values_list("id", "comment_id")
    )
    answered = set(
        Draft.objects.filter(comment_id__in=list(comments), status=DraftStatus.APPROVED).values_list("comment_id", flat=True)
    )
    for comment_id in dict.fromkeys(comment_ids):
        comment = comments.get(comment_id)
        if comment is None:
            result.skipped[comment_id] = _("not found")
        elif category not in SPAMMY and comment.status != CommentStatus.NO_REPLY:
            result.skipped[comment_id] = _("not filed")
        elif comment.is_safety_case:
            result.skipped[comment_id] = _("a safety case: the owner sees it")
        elif comment_id in answered:
            result.skipped[comment_id] = _("already answered")
        elif comment.category == category and comment.status == CommentStatus.NO_REPLY:
            result.skipped[comment_id] = _("already %(category)s") % {"category": Category(category).label}
        elif refusal := policy.act_refusal(actor.role, comment):
            result.skipped[comment_id] = refusal
        else:
            comment_mark(comment=comment, actor=actor, category=category)
            result.marked.append(comment_id)
    result.left_queue = [draft_id for draft_id, comment_id in pending.items() if comment_id in result.marked]
    return result


@transaction.atomic
def comment_answer(*, comment: Comment, actor: Actor, text: str) -> Draft:
    """'Ask the creator': their answer becomes knowledge (so the question is drafted next time)
    and a draft for this comment, which then goes through the usual approval."""
    _refuse(policy.act_refusal(actor.role, comment))
    text = text.strip()
    if not text:
        raise DecisionError(_("Write an answer first."))
    item = knowledge_from_creator_answer(comment=comment, text=text)
    drafts_supersede(comment_id=comment.id)
    draft = Draft.objects.create(
        creator_id=comment.creator_id, comment=comment, text=text, drafted_text=text, sources=[item.id],
        confidence=1.0, drafter="creator", generation=Draft.latest_generation(comment.id) + 1, priority=comment.priority,
    )
    Comment.objects.filter(id=comment.id).update(status=CommentStatus.DRAFTED, reason="")
    _record(actor, DecisionAction.ANSWER, creator_id=comment.creator_id, draft=draft, after=text)
    return draft


@dataclass
class GroupAnswer:
    knowledge_id: int
    requested: list[int]  # comment ids that will be drafted from the answer
    skipped: dict[int, str]  # comment id -> why not


@transaction.atomic
def comments_answer_group(*, creator_id: int, actor: Actor, comment_ids: list[int], text: str) -> GroupAnswer:
    """The creator answers a group of questions the clone could not answer, once: the answer
    becomes knowledge, and every fan of the group still waiting gets a draft from it (a Decision
    and a DraftRequest per comment; the worker, or the sweeper, drafts them)."""
    text = text.strip()
    if not text:
        raise DecisionError(_("Write an answer first."))
    comments = list(
        Comment.objects.filter(creator_id=creator_id, id__in=comment_ids).select_related("creator").order_by("id")
    )
    allowed = [c for c in comments if not policy.act_refusal(actor.role, c)]
    if not allowed:
        _refuse(policy.act_refusal(actor.role, comments[0]) if comments else _("Nothing to answer."))
    item = knowledge_from_creator_answer(comment=allowed[0], text=text)
    result = GroupAnswer(knowledge_id=item.id, requested=[], skipped={})
    for comment in comments:
        if comment not in allowed:
            result.skipped[comment.id] = policy.act_refusal(actor.role, comment) or ""
            continue
        if comment.status != CommentStatus.NEEDS_HUMAN:
            result.skipped[comment.id] = _("no longer waiting (%(status)s)") % {"status": CommentStatus(comment.status).label}
            continue
        _record(
            actor, DecisionAction.ANSWER, creator_id=creator_id, comment_id=comment.id, before=comment.reason, after=text,
            reason=_("answered once for %(n)s similar questions") % {"n": len(comments)},
        )
        request = DraftRequest.objects.create(
            creator_id=creator_id, comment=comment, kind=DraftRequestKind.DRAFT_ANYWAY, requested_by=actor.user,
        )
        result.requested.append(request.id)
    ids = list(result.requested)
    transaction.on_commit(lambda: enqueue_draft_request(ids))
    result.requested = [c.id for c in allowed if c.id not in result.skipped]
    return result


@transaction.atomic
def comment_assign(*, comment: Comment, actor: Actor, assignee: User | None) -> None:
    _refuse(policy.act_refusal(actor.role, comment))
    before = comment.assigned_to.email if comment.assigned_to_id else ""
    Comment.objects.filter(id=comment.id).update(assigned_to=assignee)
    _record(
        actor, DecisionAction.ASSIGN, creator_id=comment.creator_id, comment_id=comment.id,
        before=before, after=assignee.email if assignee else "",
    )


@transaction.atomic
def publication_retry_by_hand(*, publication: Publication, actor: Actor) -> bool:
    """Send a dead publication again (a fresh set of attempts)."""
    _refuse(policy.act_refusal(actor.role, publication.comment))
    if not publication_retry(publication=publication):
        return False
    _record(
        actor, DecisionAction.RETRY_PUBLICATION, creator_id=publication.creator_id, draft=publication.draft,
        before=publication.last_error[:500],
    )
    return True


@transaction.atomic
def brief_request(
    *, creator: Creator, actor: Actor, kind: str, text: str, post_text: str = "", variants: int = 3
) -> ContentBrief:
    """Ask the clone for content variants (captions, titles, reply templates) of a brief."""
    if actor.role == Role.VIEWER:
        raise NotAllowed(_("Viewers cannot ask for content variants."))
    brief = brief_create(creator=creator, kind=kind, text=text, post_text=post_text, variants=variants, user=actor.user)
    Decision.objects.create(
        creator_id=creator.id, action=DecisionAction.REQUEST_VARIANTS, user=actor.user, token=actor.token,
        after_text=brief.brief[:2000],
    )
    transaction.on_commit(lambda: enqueue_brief([brief.id]))
    return brief
