"""Review decisions: the same functions serve the inbox, the API and code."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ApiToken, Membership, Role, User
from replyqueue.inbox.models import MAX_REPLY_CHARS, Decision, DecisionAction, Draft, DraftStatus


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
    if draft.comment.owner_only:
        return "owner-only comment"
    if draft.comment.category == "sensitive":
        return "sensitive comment"
    if draft.flags:
        return "facts guard flagged the draft"
    threshold = draft.creator.persona.confidence_threshold if hasattr(draft.creator, "persona") else 0.5
    if draft.confidence < max(threshold, 0.6):
        return f"low confidence ({draft.confidence:.0%})"
    return None


def check_can_decide(actor: Actor, draft: Draft) -> None:
    if actor.role == Role.VIEWER:
        raise NotAllowed("Viewers cannot decide on drafts.")
    if actor.role == Role.ASSISTANT and draft.comment.owner_only:
        raise NotAllowed("Only the owner can decide on this comment.")


def _conflict(draft: Draft) -> Conflict:
    current = Draft.objects.get(pk=draft.pk)
    return Conflict(f"This draft is already {current.status} (version {current.version}).", current)


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise DecisionError("The reply text cannot be empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise DecisionError(f"The reply is too long ({len(text)} characters, at most {MAX_REPLY_CHARS}).")
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
def draft_approve(*, draft: Draft, actor: Actor, text: str | None = None, version: int | None = None):
    """Approve (optionally with an edited text). Writes the Publication in the same transaction."""
    from replyqueue.publishing.services import publication_create

    check_can_decide(actor, draft)
    if version is not None and version != draft.version:
        raise _conflict(draft)
    new_text = _clean_text(text if text is not None else draft.text)
    edited = new_text != draft.text
    try:
        with transaction.atomic():
            claimed = Draft.objects.filter(id=draft.id, status=DraftStatus.PENDING, version=draft.version).update(
                status=DraftStatus.APPROVED, text=new_text, version=F("version") + 1, decided_at=timezone.now()
            )
    except IntegrityError:  # another draft of this comment was approved first
        raise _conflict(draft) from None
    if not claimed:
        raise _conflict(draft)
    before = draft.text
    draft.refresh_from_db()
    Draft.objects.filter(comment_id=draft.comment_id, status=DraftStatus.PENDING).update(
        status=DraftStatus.SUPERSEDED, version=F("version") + 1
    )
    _record(draft, actor, DecisionAction.EDIT_APPROVE if edited else DecisionAction.APPROVE, before, new_text)
    return publication_create(draft=draft)


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
        raise Conflict("Too late to undo: the reply is already being sent.", draft)
    Draft.objects.filter(id=draft.id, status=DraftStatus.APPROVED).update(
        status=DraftStatus.PENDING, version=F("version") + 1, decided_at=None
    )
    draft.refresh_from_db()
    _record(draft, actor, DecisionAction.UNDO, draft.text)
    return draft
