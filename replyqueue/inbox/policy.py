"""Who may see and decide what in the review queue: the one place the role rules are written.

Owners see and decide everything. Assistants never see owner-only comments (sensitive,
threats, escalated by a rule) and approve routine drafts only. Viewers read.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Role
from replyqueue.comments.models import Category, Comment
from replyqueue.inbox.calibration import ROUTINE_CHANCE
from replyqueue.inbox.models import Draft

NEVER_ROUTINE = (Category.SENSITIVE, Category.THREAT, Category.BUSINESS)


def can_see(role: str, comment: Comment | None) -> bool:
    return comment is None or role == Role.OWNER or not comment.owner_only


def visible_q(role: str, comment_field: str = "comment") -> Q:
    """The filter that hides owner-only comments from anyone but the owner. `comment_field` is
    the path to the comment ("" when filtering comments themselves)."""
    if role == Role.OWNER:
        return Q()
    prefix = f"{comment_field}__" if comment_field else ""
    return ~Q(**{f"{prefix}owner_only": True})


def routine_refusal(draft: Draft) -> str | None:
    """Why this draft is not routine (an assistant may not approve it), or None if it is."""
    if draft.comment is None:
        return _("content variant (the owner picks those)")
    if draft.comment.owner_only:
        return _("owner-only comment")
    if draft.comment.category in NEVER_ROUTINE:
        return _("%(category)s comment") % {"category": Category(draft.comment.category).label}
    if "possibly sensitive" in draft.comment.labels:
        return _("possibly sensitive comment")
    if "possibly abuse" in draft.comment.labels:  # triage leant that way without being sure enough to file it
        return _("possibly abusive comment")
    if "possibly spam" in draft.comment.labels:
        return _("possibly spam")
    if draft.flags:
        return _("facts guard flagged the draft")
    chance = draft.approval_chance if draft.approval_chance is not None else draft.confidence
    if chance < ROUTINE_CHANCE:
        return _("%(percent)s chance of approval as is (routine needs %(needed)s)") % {
            "percent": f"{chance:.0%}", "needed": f"{ROUTINE_CHANCE:.0%}",
        }
    return None


def stale_threads(drafts) -> set[int]:
    """The ids of the drafts whose fan wrote again in the same thread (same post) after the
    comment the draft answers: one query for any number of drafts."""
    drafts = [d for d in drafts if d.comment_id]
    if not drafts:
        return set()
    keys = {(d.comment.fan_id, d.comment.post_id) for d in drafts}
    oldest = min(d.comment.received_at for d in drafts)
    latest: dict[tuple[int, int | None], object] = {}
    newer = Comment.objects.filter(
        creator_id=drafts[0].creator_id, fan_id__in={fan for fan, _post in keys}, received_at__gt=oldest
    ).values_list("fan_id", "post_id", "received_at")
    for fan_id, post_id, received_at in newer:
        key = (fan_id, post_id)
        if key in keys and (key not in latest or received_at > latest[key]):
            latest[key] = received_at
    return {
        d.id for d in drafts
        if (d.comment.fan_id, d.comment.post_id) in latest and latest[(d.comment.fan_id, d.comment.post_id)] > d.comment.received_at
    }


def stale_thread_warning(draft: Draft) -> str | None:
    """Why approving this draft needs a second look (the fan wrote again since), or None. The
    same check for the single approval, the bulk approval and the API: each asks for an
    explicit confirmation, bulk skips the draft."""
    if draft.comment_id and draft.id in stale_threads([draft]):
        return _("The fan wrote again in this thread after this draft was made.")
    return None


def approve_refusal(role: str, draft: Draft) -> str | None:
    """Why this role may not approve this draft, or None if it may: the same answer for the
    single approval, the bulk approval and the API."""
    if role == Role.VIEWER:
        return _("Viewers cannot decide on drafts.")
    if role == Role.ASSISTANT:
        return routine_refusal(draft)
    return None


def reject_refusal(role: str, draft: Draft) -> str | None:
    if role == Role.VIEWER:
        return _("Viewers cannot decide on drafts.")
    if role == Role.ASSISTANT and draft.comment is None:
        return _("content variant (the owner picks those)")
    return act_refusal(role, draft.comment)


def act_refusal(role: str, comment: Comment | None) -> str | None:
    """Why this role may not act on this comment at all (mark, answer, redraft, assign)."""
    if role == Role.VIEWER:
        return _("Viewers cannot change anything in the inbox.")
    if not can_see(role, comment):
        return _("Only the owner can act on this comment.")
    return None
