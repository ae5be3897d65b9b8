"""Review decisions: the same functions serve the inbox, the API and code."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Membership, Role, User
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.services import knowledge_learn_from_approval
from replyqueue.inbox.models import MAX_REPLY_CHARS, Decision, DecisionAction, Draft, DraftStatus
from replyqueue.labels import label


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


def routine_refusal(draft: Draft) -> str | None:
    """Why an assistant may not approve this draft, or None if it is routine."""
    if draft.comment is None:
        return _("content variant (the owner picks those)")
    if draft.comment.owner_only:
        return _("owner-only comment")
    if draft.comment.category == "sensitive":
        return _("sensitive comment")
    if "possibly sensitive" in draft.comment.labels:
        return _("possibly sensitive comment")
    if draft.flags:
        return _("facts guard flagged the draft")
    threshold = draft.creator.persona.confidence_threshold if hasattr(draft.creator, "persona") else 0.5
    if draft.confidence < max(threshold, 0.6):
        return _("low confidence (%(percent)s)") % {"percent": f"{draft.confidence:.0%}"}
    return None


def check_can_decide(actor: Actor, draft: Draft) -> None:
    if actor.role == Role.VIEWER:
        raise NotAllowed(_("Viewers cannot decide on drafts."))
    if actor.role == Role.ASSISTANT and draft.comment is not None and draft.comment.owner_only:
        raise NotAllowed(_("Only the owner can decide on this comment."))


def _conflict(draft: Draft) -> Conflict:
    current = Draft.objects.get(pk=draft.pk)
    message = _("This draft is already %(status)s (version %(version)s).") % {
        "status": label(current.status, "draft"), "version": current.version,
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


def _record(draft: Draft, actor: Actor, action: str, before: str, after: str = "", reason: str = "") -> Decision:
    return Decision.objects.create(
        creator_id=draft.creator_id,
        draft=draft,
        action=action,
        user=actor.user,
        token=actor.token,
        before_text=before,
        after_text=after,
        reason=reason[:500],
    )


@transaction.atomic
def draft_approve(
    *, draft: Draft, actor: Actor, text: str | None = None, version: int | None = None, send_at: datetime | None = None
):
    """Approve (optionally with an edited text). Writes the Publication in the same transaction;
    `send_at` schedules it (never before the undo window ends)."""
    from replyqueue.publishing.services import publication_create

    check_can_decide(actor, draft)
    if version is not None and version != draft.version:
        raise _conflict(draft)
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
    siblings = {"brief_id": draft.brief_id} if draft.brief_id else {"comment_id": draft.comment_id}
    Draft.objects.filter(status=DraftStatus.PENDING, **siblings).update(
        status=DraftStatus.SUPERSEDED, version=F("version") + 1
    )
    _record(draft, actor, DecisionAction.EDIT_APPROVE if edited else DecisionAction.APPROVE, before, new_text)
    if edited and draft.comment_id:
        knowledge_learn_from_approval(draft)
    if draft.brief_id:
        return None  # a content variant is for the creator to use: nothing to publish
    return publication_create(draft=draft, send_at=send_at)


@transaction.atomic
def draft_reject(*, draft: Draft, actor: Actor, reason: str = "", version: int | None = None) -> Draft:
    check_can_decide(actor, draft)
    if version is not None and version != draft.version:
        raise _conflict(draft)
    claimed = Draft.objects.filter(id=draft.id, status=DraftStatus.PENDING, version=draft.version).update(
        status=DraftStatus.REJECTED, version=F("version") + 1, decided_at=timezone.now()
    )
    if not claimed:
        raise _conflict(draft)
    draft.refresh_from_db()
    _record(draft, actor, DecisionAction.REJECT, draft.text, reason=reason.strip())
    return draft


@transaction.atomic
def draft_undo(*, draft: Draft, actor: Actor) -> Draft:
    """Take an approval back while its reply is still inside the undo window."""
    from replyqueue.publishing.services import publication_cancel

    check_can_decide(actor, draft)
    if draft.status != DraftStatus.APPROVED or not publication_cancel(draft=draft):
        raise Conflict(_("Too late to undo: the reply is already being sent."), draft)
    Draft.objects.filter(id=draft.id, status=DraftStatus.APPROVED).update(
        status=DraftStatus.PENDING, version=F("version") + 1, decided_at=None
    )
    draft.refresh_from_db()
    KnowledgeItem.objects.filter(creator_id=draft.creator_id, origin=f"approved_draft:{draft.id}").delete()
    _record(draft, actor, DecisionAction.UNDO, draft.text)
    return draft


@dataclass
class BulkResult:
    approved: list[int]
    skipped: dict[int, str]  # draft id -> why


def drafts_bulk_approve(*, creator_id: int, actor: Actor, draft_ids: list[int]) -> BulkResult:
    """Approve many drafts in one transaction, each in its own savepoint. The role policy is enforced here:
    assistants approve routine drafts only, and the answer says which were skipped and why."""
    if actor.role == Role.VIEWER:
        raise NotAllowed(_("Viewers cannot approve drafts."))
    drafts = (
        Draft.objects.filter(creator_id=creator_id, id__in=draft_ids)
        .select_related("comment", "creator__persona")
        .order_by("id")
    )
    result = BulkResult(approved=[], skipped={})
    found = set()
    with transaction.atomic():  # one commit for the batch; each approval is its own savepoint
        _approve_each(drafts, actor, result, found)
    for missing in set(draft_ids) - found:
        result.skipped[missing] = _("not found")
    return result


def _approve_each(drafts, actor: Actor, result: BulkResult, found: set[int]) -> None:
    for draft in drafts:
        found.add(draft.id)
        if draft.status != DraftStatus.PENDING:
            result.skipped[draft.id] = _("already %(status)s") % {"status": label(draft.status, "draft")}
            continue
        if actor.role == Role.ASSISTANT and (why := routine_refusal(draft)):
            result.skipped[draft.id] = why
            continue
        try:
            draft_approve(draft=draft, actor=actor, version=draft.version)
        except DecisionError as error:
            result.skipped[draft.id] = str(error)
            continue
        result.approved.append(draft.id)


def comment_assign(*, comment_id: int, creator_id: int, assignee: User | None) -> bool:
    from replyqueue.comments.models import Comment

    return bool(Comment.objects.filter(id=comment_id, creator_id=creator_id).update(assigned_to=assignee))
