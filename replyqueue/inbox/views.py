from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from replyqueue.inbox.models import Draft
from replyqueue.inbox.selectors import PAGE_SIZE, TABS, tab_rows
from replyqueue.inbox.services import Actor, Conflict, DecisionError, draft_approve, draft_reject, draft_undo
from replyqueue.publishing.models import Publication
from replyqueue.publishing.services import publication_retry


def _membership(request: HttpRequest):
    if request.membership is None:
        raise Http404("You are not a member of any creator.")
    return request.membership


def _get_draft_for_member(request: HttpRequest, draft_id: int) -> Draft:
    """The draft if it belongs to the member's current creator; 404 otherwise."""
    membership = _membership(request)
    draft = (
        Draft.objects.select_related("comment__fan", "comment__post", "creator__persona")
        .filter(id=draft_id, creator_id=membership.creator_id)
        .first()
    )
    if draft is None:
        raise Http404
    return draft


def _optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _card(request: HttpRequest, draft: Draft, *, error: str = "", status: int = 200) -> HttpResponse:
    if not request.htmx:
        return redirect("inbox")
    template = "inbox/_draft_card.html" if draft.status == "pending" else "inbox/_decided_card.html"
    response = render(request, template, {"draft": draft, "error": error}, status=status)
    return trigger_client_event(response, "inbox:decided", {"draft": draft.id, "status": draft.status})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    tab = request.GET.get("tab", "review")
    if tab not in TABS:
        tab = "review"
    rows = list(tab_rows(membership.creator_id, tab)[:PAGE_SIZE])
    context = {"tab": tab, "tabs": TABS, "rows": rows}
    if request.htmx and request.htmx.target == "tab-body":
        return render(request, "inbox/_tab_body.html", context)
    return render(request, "inbox/index.html", context)


def _decide(request: HttpRequest, draft_id: int, decide) -> HttpResponse:
    draft = _get_draft_for_member(request, draft_id)
    actor = Actor.for_member(request.membership)
    try:
        draft = decide(draft, actor)
    except Conflict as conflict:
        return _card(request, conflict.draft, error=str(conflict), status=409 if not request.htmx else 200)
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    except DecisionError as error:
        if error.status_code == 403:
            raise PermissionDenied(str(error)) from None
        return _card(request, draft, error=str(error))
    return _card(request, draft)


@login_required
@require_POST
def approve(request: HttpRequest, draft_id: int) -> HttpResponse:
    def decide(draft: Draft, actor: Actor) -> Draft:
        publication = draft_approve(
            draft=draft, actor=actor, text=request.POST.get("text"), version=_optional_int(request.POST.get("version"))
        )
        return publication.draft

    return _decide(request, draft_id, decide)


@login_required
@require_POST
def reject(request: HttpRequest, draft_id: int) -> HttpResponse:
    def decide(draft: Draft, actor: Actor) -> Draft:
        return draft_reject(
            draft=draft,
            actor=actor,
            reason=request.POST.get("reason", "")[:500],
            version=_optional_int(request.POST.get("version")),
        )

    return _decide(request, draft_id, decide)


@login_required
@require_POST
def undo(request: HttpRequest, draft_id: int) -> HttpResponse:
    return _decide(request, draft_id, lambda draft, actor: draft_undo(draft=draft, actor=actor))


@login_required
@require_POST
def retry_publication(request: HttpRequest, publication_id: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_review:
        raise PermissionDenied("Viewers cannot retry publications.")
    publication = Publication.objects.filter(id=publication_id, creator_id=membership.creator_id).first()
    if publication is None:
        raise Http404
    publication_retry(publication=publication)
    publication.refresh_from_db()
    if request.htmx:
        return render(request, "inbox/_publication_row.html", {"publication": publication})
    return redirect("/inbox/?tab=failed")
