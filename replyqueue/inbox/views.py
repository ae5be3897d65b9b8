from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh, trigger_client_event

from accounts.access import creator_object_or_404, membership_or_404
from accounts.models import Membership, Role
from replyqueue.clone.models import BriefKind
from replyqueue.clone.variants import writes_variants
from replyqueue.comments.models import Category, Channel, Comment, CommentStatus, Platform
from replyqueue.inbox import policy, presence
from replyqueue.inbox.actions import (
    SPAMMY,
    Actor,
    Conflict,
    DecisionError,
    NeedsConfirmation,
    brief_request,
    comment_answer,
    comment_assign,
    comment_draft_anyway,
    comment_mark,
    comments_answer_group,
    comments_mark,
    draft_approve,
    draft_comment_mark,
    draft_regenerate,
    draft_reject,
    draft_undo,
    drafts_bulk_approve,
    publication_retry_by_hand,
)
from replyqueue.inbox.models import (
    Draft,
    DraftRequest,
    DraftRequestKind,
    DraftRequestStatus,
    DraftStatus,
    SavedView,
    Snippet,
)
from replyqueue.inbox.selectors import (
    MAX_SIMILAR_SHOWN,
    SORTS,
    TABS,
    InboxQuery,
    briefs_in_progress,
    decisions_for_draft,
    fan_comments,
    inbox_page,
    recent_briefs,
    similar_filed,
    similar_waiting,
    tab_counts,
    unanswered_questions,
)
from replyqueue.publishing.models import Publication, PublicationStatus
from replyqueue.publishing.quota import project_key, quota_left
from replyqueue.publishing.services import send_at_error

MAX_BULK = 1000


def _reviewer(request: HttpRequest) -> Membership:
    membership = membership_or_404(request)
    if not membership.can_review:
        raise PermissionDenied("Viewers cannot change anything in the inbox.")
    return membership


def _get_draft_for_member(request: HttpRequest, draft_id: int) -> Draft:
    """The draft if it belongs to the member's current creator (and they may see it); else 404."""
    membership = membership_or_404(request)
    draft = (
        Draft.objects.select_related("comment__fan", "comment__post", "creator__persona")
        .filter(id=draft_id, creator_id=membership.creator_id)
        .first()
    )
    if draft is None or not policy.can_see(membership.role, draft.comment):
        raise Http404
    return draft


def _get_comment_for_member(request: HttpRequest, comment_id: int) -> Comment:
    comment = creator_object_or_404(request, Comment.objects.select_related("fan", "post", "creator"), comment_id)
    if not policy.can_see(request.membership.role, comment):
        raise Http404
    return comment


def _optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _draft_card(
    request: HttpRequest, draft: Draft, *, error: str = "", warning: str = "", notice: str = "", status: int = 200
) -> HttpResponse:
    if not request.htmx:
        return redirect("inbox")
    pending = draft.status == DraftStatus.PENDING
    template = "inbox/_draft_card.html" if pending else "inbox/_decided_card.html"
    approved = draft.status == DraftStatus.APPROVED and draft.comment_id
    publication = draft.publications.exclude(status=PublicationStatus.CANCELLED).first() if approved else None
    context = {"draft": draft, "error": error, "warning": warning, "notice": notice, "publication": publication}
    response = render(request, template, context, status=status)
    if not pending:
        response = trigger_client_event(response, "inbox:decided", {"draft": draft.id, "status": draft.status})
    return response


# The tabs that show the YouTube quota left: where a person decides what goes out, and where
# replies wait or fail for want of quota.
QUOTA_TABS = ("review", "failed", "scheduled")


def youtube_quota_left(creator_id: int) -> list[dict]:
    """The YouTube quota left today for each Cloud project the creator's YouTube channels use."""
    channels = Channel.objects.filter(creator_id=creator_id, platform=Platform.YOUTUBE, connector="youtube", enabled=True)
    projects = sorted({project_key(channel) for channel in channels})
    return [quota_left(project) for project in projects]


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    query = InboxQuery.from_params(request.GET)
    page = inbox_page(membership.creator_id, query, request.user.id, role=membership.role)
    context = {
        "query": query,
        "page": page,
        "tabs": TABS,
        "sorts": SORTS,
        "categories": Category.choices,
        "platforms": Platform.values,
        "confidences": ["0.5", "0.6", "0.7", "0.8", "0.9"],
        "counts": tab_counts(membership.creator_id, role=membership.role),
        "saved_views": SavedView.objects.filter(creator_id=membership.creator_id, user=request.user).order_by("name"),
        "members": Membership.objects.filter(creator_id=membership.creator_id).exclude(role=Role.VIEWER).select_related("user"),
        "next_url": "?" + urlencode(query.params(after=page.next_cursor)) if page.next_cursor else "",
        "newest_id": max((row.id for row in page.rows), default=0) if query.tab == "review" else 0,
        # The triage layout's open card: the one the address names (a plain link, no JS needed), else the first.
        "open_id": _open_id(request, page.rows) if query.tab == "review" else None,
        "open_base": "?" + urlencode(query.params()) + "&",
        "snippets": Snippet.objects.filter(creator_id=membership.creator_id) if query.tab == "review" else [],
    }
    if membership.can_review:
        context.update(_briefs_context(membership.creator_id))
    if query.tab in QUOTA_TABS:
        context["youtube_quota"] = youtube_quota_left(membership.creator_id)
    if request.htmx and request.GET.get("more"):
        context["open_id"] = None  # the open card is already on the page
        template = "inbox/_more_review.html" if query.tab == "review" else "inbox/_rows.html"
        return render(request, template, context)
    if request.htmx and request.htmx.target == "tab-body":
        return render(request, "inbox/_tab_body.html", context)
    return render(request, "inbox/index.html", context)


def _open_id(request: HttpRequest, rows: list) -> int | None:
    wanted = _optional_int(request.GET.get("open"))
    ids = [row.id for row in rows]
    return wanted if wanted in ids else (ids[0] if ids else None)


@login_required
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """Polled by the page: live tab counts, new drafts since the page loaded, who looks at what."""
    membership = membership_or_404(request)
    newest = _optional_int(request.GET.get("newest")) or 0
    drafts = Draft.objects.filter(creator_id=membership.creator_id, status=DraftStatus.PENDING, rank=0, id__gt=newest)
    drafts = drafts.filter(policy.visible_q(membership.role))
    query = InboxQuery.from_params(request.GET)
    context = {
        "counts": tab_counts(membership.creator_id, role=membership.role),
        "tabs": TABS,
        "query": query,
        "new_drafts": drafts.values("id")[:100].count() if newest else 0,
        "viewers": presence.viewers_by_draft(membership.creator_id, except_user=request.user.email),
        # Only in the poll: on the full page the tab body has the line already.
        "youtube_quota_update": youtube_quota_left(membership.creator_id) if query.tab in QUOTA_TABS else [],
    }
    return render(request, "inbox/_live.html", context)


@login_required
@require_POST
def viewing(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _get_draft_for_member(request, draft_id)
    presence.mark_viewing(draft.creator_id, draft.id, request.user.email)
    return HttpResponse(status=204)


def _decide(request: HttpRequest, draft_id: int, decide) -> HttpResponse:
    membership = _reviewer(request)
    draft = _get_draft_for_member(request, draft_id)
    try:
        draft = decide(draft, Actor.for_member(membership))
    except NeedsConfirmation:
        warning = _("The fan wrote again in this thread after this draft was made. Read it, then approve anyway?")
        return _draft_card(request, draft, warning=warning)
    except Conflict as conflict:
        return _draft_card(request, conflict.draft, error=str(conflict), status=200 if request.htmx else 409)
    except DecisionError as error:
        if error.status_code == 403:
            raise PermissionDenied(str(error)) from None
        return _draft_card(request, draft, error=str(error))
    return _draft_card(request, draft)


@login_required
@require_POST
def approve(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _get_draft_for_member(request, draft_id)
    send_at, error = _send_at(request.POST.get("send_at", ""))
    if error:
        return _draft_card(request, draft, error=error)

    def decide(draft: Draft, actor: Actor) -> Draft:
        draft_approve(
            draft=draft, actor=actor, text=request.POST.get("text"), version=_optional_int(request.POST.get("version")),
            send_at=send_at, confirm=bool(request.POST.get("confirm")),
        )
        return draft

    return _decide(request, draft_id, decide)


def _send_at(value: str):
    """The optional schedule of an approval (a datetime-local field, in the viewer's time zone)."""
    if not value.strip():
        return None, ""
    when = parse_datetime(value.strip())
    if when is None:
        return None, _("Invalid date and time.")
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_current_timezone())
    error = send_at_error(when)
    return when, (_("Choose a send time in the future, within 30 days.") if error else "")


@login_required
@require_POST
def reject(request: HttpRequest, draft_id: int) -> HttpResponse:
    def decide(draft: Draft, actor: Actor) -> Draft:
        return draft_reject(
            draft=draft, actor=actor, reason=request.POST.get("reason", "")[:500],
            version=_optional_int(request.POST.get("version")),
        )

    return _decide(request, draft_id, decide)


@login_required
@require_POST
def undo(request: HttpRequest, draft_id: int) -> HttpResponse:
    return _decide(request, draft_id, lambda draft, actor: draft_undo(draft=draft, actor=actor))


def _refused(error: DecisionError) -> HttpResponse | None:
    if error.status_code == 403:
        raise PermissionDenied(str(error))
    return None


@login_required
@require_POST
def regenerate(request: HttpRequest, draft_id: int) -> HttpResponse:
    membership = _reviewer(request)
    draft = _get_draft_for_member(request, draft_id)
    alternatives = min(_optional_int(request.POST.get("alternatives")) or 1, 3)
    try:
        work = draft_regenerate(
            draft=draft, actor=Actor.for_member(membership), instruction=request.POST.get("instruction", "")[:200],
            alternatives=alternatives,
        )
    except Conflict as conflict:
        return _draft_card(request, conflict.draft, error=str(conflict))
    except DecisionError as error:
        _refused(error)
        return _draft_card(request, draft, error=str(error), status=200 if request.htmx else 400)
    return _comment_card(request, draft.comment, work)


def _comment_card(request: HttpRequest, comment: Comment, work: DraftRequest | None = None) -> HttpResponse:
    """The comment's current card: while a redraft request is waiting for a worker, a 'drafting'
    card that polls the request; then the newest pending draft, or why there is none."""
    comment.refresh_from_db()
    working = comment.status == CommentStatus.RECEIVED or (work is not None and work.status == DraftRequestStatus.PENDING)
    error = work.error if work is not None and work.status == DraftRequestStatus.FAILED else ""
    draft = comment.drafts.filter(status=DraftStatus.PENDING, rank=0).order_by("-generation").first()
    if draft is not None and not working:
        draft = Draft.objects.select_related("comment__fan", "comment__post").get(id=draft.id)
        return _draft_card(request, draft, error=error, notice=_alternatives_notice(work))
    context = {"comment": comment, "working": working, "work": work, "error": error}
    return render(request, "inbox/_comment_card.html", context)


def _alternatives_notice(work: DraftRequest | None) -> str:
    """Fewer alternatives than asked: say how many the creator's knowledge gave."""
    if work is None or work.kind != DraftRequestKind.ALTERNATIVES or work.status != DraftRequestStatus.DONE:
        return ""
    if work.found >= work.count:
        return ""
    return ngettext(
        "You asked for %(asked)s drafts: the creator's knowledge gave only %(found)s different answer.",
        "You asked for %(asked)s drafts: the creator's knowledge gave only %(found)s different answers.",
        work.found,
    ) % {"asked": work.count, "found": work.found}


@login_required
@require_GET
def comment_card(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _get_comment_for_member(request, comment_id)
    request_id = _optional_int(request.GET.get("request"))
    work = DraftRequest.objects.filter(id=request_id, comment=comment).first() if request_id else None
    return _comment_card(request, comment, work)


@login_required
@require_POST
def draft_anyway(request: HttpRequest, comment_id: int) -> HttpResponse:
    membership = _reviewer(request)
    comment = _get_comment_for_member(request, comment_id)
    try:
        work = comment_draft_anyway(comment=comment, actor=Actor.for_member(membership))
    except DecisionError as error:
        _refused(error)
        return render(request, "inbox/_comment_card.html", {"comment": comment, "error": str(error)})
    return _comment_card(request, comment, work)


@login_required
@require_POST
def mark(request: HttpRequest, comment_id: int) -> HttpResponse:
    membership = _reviewer(request)
    comment = _get_comment_for_member(request, comment_id)
    category = request.POST.get("category", "")
    if category not in Category.values:
        return HttpResponse(_("Unknown category."), status=400)
    was_filed = comment.status == CommentStatus.NO_REPLY
    comment_mark(comment=comment, actor=Actor.for_member(membership), category=category)
    comment.refresh_from_db()
    notice = _("Marked %(category)s.") % {"category": Category(category).label}
    context = {"comment": comment, "notice": notice, **_similar_context(comment, category, membership.role, was_filed)}
    response = render(request, "inbox/_comment_card.html", context)
    return trigger_client_event(response, "inbox:decided", {"comment": comment.id})


@login_required
@require_POST
def draft_mark(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Spam or abuse, from the review queue: the comment is marked (its draft leaves the queue)
    and the comments that read like it are offered to mark too."""
    membership = _reviewer(request)
    draft = _get_draft_for_member(request, draft_id)
    category = request.POST.get("category", "")
    # What "Undo" gives back: the category triage had given (other for a draft labelled possibly spam).
    triaged = draft.comment.category if draft.comment else ""
    before = triaged if triaged and triaged not in SPAMMY else Category.OTHER
    try:
        draft_comment_mark(draft=draft, actor=Actor.for_member(membership), category=category)
    except Conflict as conflict:
        return _draft_card(request, conflict.draft, error=str(conflict))
    except DecisionError as error:
        _refused(error)
        return HttpResponse(str(error), status=400)
    if not request.htmx:
        return redirect("inbox")
    draft.refresh_from_db()
    context = {"draft": draft, "marked": Category(category).label, "restore_category": before,
               **_similar_context(draft.comment, category, membership.role)}
    response = render(request, "inbox/_decided_card.html", context)
    return trigger_client_event(response, "inbox:decided", {"draft": draft.id, "status": draft.status})


def _similar_context(comment: Comment, category: str, role: str, was_filed: bool = False) -> dict:
    """The comments to offer the same mark: waiting ones that read like a comment marked spam or
    abuse, or filed ones that read like a comment restored."""
    if category in SPAMMY:
        return {"similar": similar_waiting(comment, role), "similar_category": category}
    if was_filed:
        return {"similar": similar_filed(comment, role), "similar_category": category, "restoring": True}
    return {}


@login_required
@require_POST
def mark_similar(request: HttpRequest) -> HttpResponse:
    membership = _reviewer(request)
    ids = [int(value) for value in request.POST.getlist("comment") if value.isdigit()][:MAX_SIMILAR_SHOWN]
    try:
        result = comments_mark(
            creator_id=membership.creator_id, actor=Actor.for_member(membership), comment_ids=ids,
            category=request.POST.get("category", ""),
        )
    except DecisionError as error:
        return HttpResponse(str(error), status=400)
    if not request.htmx:
        return redirect("inbox")
    context = {"result": result, "category": Category(request.POST["category"]).label, "restored": request.POST["category"] not in SPAMMY}
    response = render(request, "inbox/_marked_similar.html", context)
    return trigger_client_event(response, "inbox:left", {"drafts": result.left_queue, "comments": result.marked})


@login_required
@require_POST
def answer(request: HttpRequest, comment_id: int) -> HttpResponse:
    membership = _reviewer(request)
    comment = _get_comment_for_member(request, comment_id)
    try:
        draft = comment_answer(comment=comment, actor=Actor.for_member(membership), text=request.POST.get("text", "")[:5000])
    except DecisionError as error:
        _refused(error)
        return render(request, "inbox/_comment_card.html", {"comment": comment, "error": str(error)})
    return _draft_card(request, Draft.objects.select_related("comment__fan", "comment__post").get(id=draft.id))


@login_required
@require_POST
def assign(request: HttpRequest, comment_id: int) -> HttpResponse:
    membership = _reviewer(request)
    comment = _get_comment_for_member(request, comment_id)
    value = request.POST.get("assignee", "")
    assignee = None
    if value == "me":
        assignee = request.user
    elif value.isdigit():
        member = Membership.objects.filter(creator_id=membership.creator_id, user_id=int(value)).select_related("user").first()
        if member is None:
            raise Http404
        assignee = member.user
    comment_assign(comment=comment, actor=Actor.for_member(membership), assignee=assignee)
    return HttpResponse(assignee.email if assignee else _("Unassigned"))


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    membership = _reviewer(request)
    if request.POST.get("all_matching"):
        query = InboxQuery.from_params(request.POST)
        query.tab, query.after = "review", ""
        page = inbox_page(membership.creator_id, query, request.user.id, size=MAX_BULK, role=membership.role, decorate=False)
        ids = [draft.id for draft in page.rows]
        upto = _optional_int(request.POST.get("upto"))
        if not request.POST.get("confirm") or upto is None:
            # First the count, then a second request that says yes: drafts that arrive in
            # between (higher ids) are not part of what was confirmed.
            context = {"count": len(ids), "capped": bool(page.next_cursor), "upto": max(ids, default=0), "limit": MAX_BULK}
            return render(request, "inbox/_bulk_confirm.html", context)
        ids = [draft_id for draft_id in ids if draft_id <= upto]
    else:
        ids = [int(i) for i in request.POST.getlist("draft") if i.isdigit()][:MAX_BULK]
    result = drafts_bulk_approve(creator_id=membership.creator_id, actor=Actor.for_member(membership), draft_ids=ids)
    response = render(request, "inbox/_bulk_result.html", {"result": result})
    return trigger_client_event(response, "inbox:bulk", {"approved": result.approved})


@login_required
@require_GET
def draft_history(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _get_draft_for_member(request, draft_id)
    return render(request, "inbox/_history.html", {"draft": draft, "decisions": decisions_for_draft(draft)})


@login_required
@require_GET
def fan(request: HttpRequest, fan_id: int) -> HttpResponse:
    membership = membership_or_404(request)
    comments = [c for c in fan_comments(membership.creator_id, fan_id) if policy.can_see(membership.role, c)]
    if not comments:
        raise Http404
    return render(request, "inbox/fan.html", {"fan": comments[0].fan, "comments": comments})


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    name = request.POST.get("name", "").strip()[:60]
    query = request.POST.get("query", "")[:500].lstrip("?")
    if name:
        SavedView.objects.update_or_create(
            creator_id=membership.creator_id, user=request.user, name=name, defaults={"query": query}
        )
    return HttpResponseClientRefresh() if request.htmx else redirect(f"{reverse('inbox')}?{query}")


@login_required
@require_POST
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    membership = membership_or_404(request)
    deleted, _rows = SavedView.objects.filter(id=view_id, creator_id=membership.creator_id, user=request.user).delete()
    if not deleted:
        raise Http404
    return HttpResponseClientRefresh() if request.htmx else redirect("inbox")


@login_required
@require_POST
def retry_publication(request: HttpRequest, publication_id: int) -> HttpResponse:
    membership = _reviewer(request)
    publication = (
        Publication.objects.filter(id=publication_id, creator_id=membership.creator_id).select_related("comment").first()
    )
    if publication is None or not policy.can_see(membership.role, publication.comment):
        raise Http404
    try:
        publication_retry_by_hand(publication=publication, actor=Actor.for_member(membership))
    except DecisionError as error:
        _refused(error)
    publication.refresh_from_db()
    if request.htmx:
        return render(request, "inbox/_publication_row.html", {"publication": publication})
    return redirect(f"{reverse('inbox')}?tab=failed")


@login_required
@require_POST
def new_brief(request: HttpRequest) -> HttpResponse:
    """Ask the clone for content variants; they arrive in the review queue."""
    membership = _reviewer(request)
    kind, text = request.POST.get("kind", ""), request.POST.get("brief", "").strip()
    if kind not in BriefKind.values or not text:
        return HttpResponse(_("Choose a kind and write a brief."), status=400)
    brief_request(
        creator=membership.creator, actor=Actor.for_member(membership), kind=kind, text=text[:5000],
        post_text=request.POST.get("post_text", "")[:50_000], variants=_optional_int(request.POST.get("variants")) or 3,
    )
    if request.htmx:
        return render(request, "inbox/_briefs.html", _briefs_context(membership.creator_id))
    return redirect("inbox")


def _briefs_context(creator_id: int) -> dict:
    briefs = recent_briefs(creator_id)
    return {"briefs": briefs, "briefs_in_progress": briefs_in_progress(briefs), "writes_variants": writes_variants()}


@login_required
@require_GET
def briefs(request: HttpRequest) -> HttpResponse:
    """The latest briefs and what became of them (polled while one is being written)."""
    membership = _reviewer(request)
    return render(request, "inbox/_briefs.html", _briefs_context(membership.creator_id))


@login_required
@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    """The questions the clone could not answer, grouped by meaning, biggest group first."""
    membership = membership_or_404(request)
    groups = unanswered_questions(membership.creator_id, role=membership.role)
    return render(request, "inbox/questions.html", {"groups": groups})


@login_required
@require_POST
def answer_group(request: HttpRequest) -> HttpResponse:
    membership = _reviewer(request)
    ids = [int(i) for i in request.POST.get("comments", "").split(",") if i.strip().isdigit()][:MAX_BULK]
    try:
        result = comments_answer_group(
            creator_id=membership.creator_id, actor=Actor.for_member(membership), comment_ids=ids,
            text=request.POST.get("text", "")[:5000],
        )
    except DecisionError as error:
        _refused(error)
        messages.error(request, str(error))
        return redirect("inbox-questions")
    messages.success(request, ngettext(
        "Saved as knowledge: %(n)s fan gets a draft from your answer.",
        "Saved as knowledge: %(n)s fans get a draft from your answer.",
        len(result.requested),
    ) % {"n": len(result.requested)})
    return redirect("inbox-questions")


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    """Charts of the last days: comments by category and platform, what the clone did, what
    people decided, time to first reply, per-reviewer throughput."""
    from replyqueue.inbox.insights import hbars, insights, stacked_bars

    membership = membership_or_404(request)
    days = min(max(_optional_int(request.GET.get("days")) or 14, 1), 90)
    data = insights(membership.creator_id, days=days)
    outcome_labels = {
        "drafted": _("drafted"), "abstained": _("abstained (nothing to answer with)"), "auto_filed": _("auto-filed (no reply)"),
        "set_aside": _("set aside for a person"), "waiting": _("waiting for triage"),
    }
    outcomes = [(f"{outcome_labels[k]} ({data.share(k):.0%})", n) for k, n in data.outcomes.items()]
    reviewers = [(who, sum(actions.values())) for who, actions in data.reviewers]
    context = {
        "data": data, "days": days,
        "by_category": stacked_bars(data.days, data.by_category, "category"),
        "by_platform": stacked_bars(data.days, data.by_platform, "platform"),
        "decisions": stacked_bars(data.days, data.decisions, "decision"),
        "outcomes": hbars(outcomes),
        "reviewers": hbars(reviewers),
    }
    return render(request, "inbox/insights.html", context)
