"""Emails to a creator's owners: an alert at once for anything owner-only (threats, distress,
escalations), and a daily digest of what waits otherwise. Each email links to the card, built
from SITE_URL. A Notification row per email makes a task that runs twice send once."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Creator, Membership, Role
from replyqueue.comments.models import SAFETY_CATEGORIES, Category, Comment, CommentStatus
from replyqueue.inbox.models import Draft, DraftStatus, Notification

log = logging.getLogger(__name__)
DIGEST_ONLY_CATEGORIES = (Category.SPAM, Category.ABUSE)
DIGEST_ITEMS = 10
ALERT_ITEMS = 20  # comments shown in full in one alert email; the rest are counted


def needs_alert(comment: Comment) -> bool:
    """Owner-only comments (threats, distress, escalations by a rule) are not for a digest; possibly
    spam or abuse waiting for the owner is (every copy of a bot's raid would otherwise email them),
    unless their own rule escalated it."""
    possibly_filed = comment.category in DIGEST_ONLY_CATEGORIES and comment.triage_rule_id is None
    return (
        comment.status == CommentStatus.NEEDS_HUMAN
        and not possibly_filed
        and (comment.owner_only or comment.category in SAFETY_CATEGORIES)
    )


def card_url(comment: Comment | None = None, draft: Draft | None = None) -> str:
    base = settings.SITE_URL.rstrip("/") + reverse("inbox")
    if draft is not None:
        return f"{base}?open={draft.id}#draft-{draft.id}"
    return f"{base}?tab=you#comment-{comment.id}"


def _owners(creator_id: int) -> list:
    members = Membership.objects.filter(creator_id=creator_id, role=Role.OWNER).select_related("user")
    return [m.user for m in members if m.user.email and m.user.is_active]


def _send_once(key: str, creator_id: int, comment_id: int | None, build) -> bool:
    """Claim the key, then send to each owner in their language; a failed send frees the key
    so the retry sends it."""
    owners = _owners(creator_id)
    if not owners:
        return False
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                creator_id=creator_id, comment_id=comment_id, key=key, recipients=[u.email for u in owners]
            )
    except IntegrityError:
        return False  # already sent
    _send_to(owners, build, on_failure=notification.delete)
    return True


def _send_to(owners: list, build, on_failure) -> None:
    try:
        for user in owners:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                subject, body = build()
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:
        on_failure()
        raise


def _claim_alerts(creator_id: int, comments: list[Comment], recipients: list[str]) -> list[Comment]:
    """Claim `alert:<id>` for each comment in one insert; returns the comments this run claimed
    (those another run alerted already are left out). A concurrent run that claimed some of them
    between the read and the insert makes the insert fail: then each is claimed on its own."""
    keys = {f"alert:{c.id}": c for c in comments}
    taken = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    rows = [Notification(creator_id=creator_id, comment_id=c.id, key=k, recipients=recipients) for k, c in keys.items() if k not in taken]
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(rows)
        return [keys[row.key] for row in rows]
    except IntegrityError:
        claimed = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                claimed.append(keys[row.key])
            except IntegrityError:
                continue
        return claimed


def _who(comment: Comment) -> str:
    return comment.fan.name or comment.fan.external_id


def _category(comment: Comment) -> str:
    return Category(comment.category).label if comment.category else _("owner only")


def _why(comment: Comment) -> str:
    return comment.reason_in_language() if comment.reason else _category(comment)


def _alert_one(comment: Comment):
    def build():
        subject = _("[%(creator)s] Needs you now: a %(category)s comment from %(fan)s") % {
            "creator": comment.creator.name, "category": _category(comment), "fan": _who(comment),
        }
        body = "\n\n".join([
            _("%(fan)s wrote on %(platform)s:") % {"fan": _who(comment), "platform": comment.platform},
            comment.text[:1000],
            _("Why it came to you: %(reason)s") % {"reason": _why(comment)},
            _("Open it: %(url)s") % {"url": card_url(comment)},
        ])
        return subject, body

    return build


def _alert_many(comments: list[Comment]):
    """One email for several owner-only comments that arrived together (a raid of threats is one
    message, not one per comment): each with its fan, text, reason and link, the first
    ALERT_ITEMS in full, then how many more wait in the inbox."""

    def build():
        subject = ngettext(
            "[%(creator)s] Needs you now: %(n)s comment", "[%(creator)s] Needs you now: %(n)s comments", len(comments)
        ) % {"creator": comments[0].creator.name, "n": len(comments)}
        parts = []
        for comment in comments[:ALERT_ITEMS]:
            parts.append("\n".join([
                _("%(fan)s wrote on %(platform)s (%(category)s):") % {
                    "fan": _who(comment), "platform": comment.platform, "category": _category(comment),
                },
                comment.text[:500],
                _("Why it came to you: %(reason)s") % {"reason": _why(comment)},
                _("Open it: %(url)s") % {"url": card_url(comment)},
            ]))
        if len(comments) > ALERT_ITEMS:
            more = len(comments) - ALERT_ITEMS
            parts.append(ngettext("%(n)s more waits for you: %(url)s", "%(n)s more wait for you: %(url)s", more) % {
                "n": more, "url": settings.SITE_URL.rstrip("/") + reverse("inbox") + "?tab=you",
            })
        return subject, "\n\n".join(parts)

    return build


def owner_alerts_send(*, comment_ids: list[int]) -> int:
    """Alert the owners about owner-only comments at once: one email per creator for the comments
    that arrived together (a triage batch), never one per comment. Each comment is alerted once
    whatever runs twice (its `alert:<id>` Notification row). Returns the number of comments the
    emails carried."""
    comments = [
        c for c in Comment.objects.select_related("fan", "creator").filter(id__in=comment_ids).order_by("-priority", "id")
        if needs_alert(c)
    ]
    sent = 0
    for creator_id in dict.fromkeys(c.creator_id for c in comments):
        owners = _owners(creator_id)
        if not owners:
            continue
        mine = _claim_alerts(creator_id, [c for c in comments if c.creator_id == creator_id], [u.email for u in owners])
        if not mine:
            continue
        build = _alert_one(mine[0]) if len(mine) == 1 else _alert_many(mine)
        _send_to(owners, build, on_failure=lambda mine=mine: Notification.objects.filter(key__in=[f"alert:{c.id}" for c in mine]).delete())
        sent += len(mine)
    return sent


def owner_alert_send(*, comment_id: int) -> bool:
    return owner_alerts_send(comment_ids=[comment_id]) > 0


def digest_send(*, creator_id: int, day: date | None = None) -> bool:
    """What waits for the creator's team, once a day; nothing is sent when nothing waits."""
    day = day or timezone.localdate()
    creator = Creator.objects.get(id=creator_id)
    drafts = Draft.objects.filter(creator_id=creator_id, status=DraftStatus.PENDING, rank=0, comment__isnull=False)
    waiting = Comment.objects.filter(creator_id=creator_id, status=CommentStatus.NEEDS_HUMAN)
    n_drafts, n_waiting = drafts.count(), waiting.count()
    if not n_drafts and not n_waiting:
        return False
    since = timezone.now() - timedelta(days=1)
    top_drafts = list(drafts.select_related("comment__fan").order_by("-priority", "-id")[:DIGEST_ITEMS])
    top_waiting = list(waiting.select_related("fan").order_by("-priority", "-id")[:DIGEST_ITEMS])
    n_new = Comment.objects.filter(creator_id=creator_id, received_at__gte=since).count()

    def build():
        subject = _("[%(creator)s] Your inbox today: %(drafts)s to review, %(waiting)s waiting for you") % {
            "creator": creator.name, "drafts": n_drafts, "waiting": n_waiting,
        }
        lines = [ngettext("%(n)s new comment in the last 24 hours.", "%(n)s new comments in the last 24 hours.", n_new) % {"n": n_new}]
        if top_drafts:
            lines.append(_("Drafts to review:"))
            lines += [f"- {d.comment.fan.name}: {d.comment.text[:80]}\n  {card_url(draft=d)}" for d in top_drafts]
        if top_waiting:
            lines.append(_("Waiting for a person:"))
            lines += [f"- {c.fan.name}: {c.text[:80]}\n  {card_url(c)}" for c in top_waiting]
        lines.append(_("The inbox: %(url)s") % {"url": settings.SITE_URL.rstrip("/") + reverse("inbox")})
        return subject, "\n\n".join(lines)

    return _send_once(f"digest:{creator_id}:{day.isoformat()}", creator_id, None, build)


def digests_send(day: date | None = None) -> int:
    sent = 0
    for creator_id in Creator.objects.values_list("id", flat=True):
        try:
            sent += digest_send(creator_id=creator_id, day=day)
        except Exception:
            log.exception("digest for creator %s failed", creator_id)
    return sent
