"""Settings pages owned by the clone: voice, knowledge, community rules (under /settings/).

Every member may look; only owners change anything (403). Ids from another creator are 404.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import creator_object_or_404, membership_or_404, owner_or_403
from replyqueue.clone.forms import KnowledgeForm, KnowledgeUploadForm, PersonaForm, RuleForm
from replyqueue.clone.importing import ImportFileError, format_for, knowledge_import
from replyqueue.clone.knowledge import knowledge_add, knowledge_delete
from replyqueue.clone.models import CommunityRule, KnowledgeItem, RuleKind
from replyqueue.clone.persona import persona_derive, persona_get
from replyqueue.clone.rule_services import RuleError, rule_create, rule_delete, rule_move, rule_update, rules_in_order
from replyqueue.clone.rules import rule_preview, validate_rule
from replyqueue.clone.selectors import knowledge_page

# --- voice -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def voice(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    persona = persona_get(membership.creator)
    if request.method == "POST":
        owner_or_403(request)
        form = PersonaForm(request.POST, instance=persona)
        if form.is_valid():
            form.save()
            messages.success(request, _("Voice saved: new drafts use it."))
            return redirect("settings-voice")
        return render(request, "settings/voice.html", {"form": form}, status=400)
    return render(request, "settings/voice.html", {"form": PersonaForm(instance=persona)})


@login_required
@require_POST
def voice_derive(request: HttpRequest) -> HttpResponse:
    """Propose a voice from the creator's past replies; nothing is saved until the owner saves."""
    membership = owner_or_403(request)
    persona = persona_get(membership.creator)
    derivation = persona_derive(membership.creator)
    form = PersonaForm(instance=persona, initial=derivation.fields)
    return render(request, "settings/voice.html", {"form": form, "derivation": derivation})


# --- knowledge ---------------------------------------------------------------------------------


def _get_knowledge_for_member(request: HttpRequest, item_id: int) -> KnowledgeItem:
    return creator_object_or_404(request, KnowledgeItem, item_id)


def _optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _knowledge_context(request: HttpRequest, **extra) -> dict:
    membership = membership_or_404(request)
    query = request.GET.get("q", "").strip()[:200]
    page = knowledge_page(membership.creator_id, query=query, before=_optional_int(request.GET.get("before")))
    return {"page": page, "q": query, "form": KnowledgeForm(), "upload_form": KnowledgeUploadForm()} | extra


@login_required
@require_GET
def knowledge(request: HttpRequest) -> HttpResponse:
    context = _knowledge_context(request)
    if request.htmx:  # search as you type, and "older" appending the next page
        return render(request, "settings/_knowledge_rows.html", context)
    return render(request, "settings/knowledge.html", context)


@login_required
@require_POST
def knowledge_create(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    form = KnowledgeForm(request.POST)
    if not form.is_valid():
        return render(request, "settings/knowledge.html", _knowledge_context(request, form=form), status=400)
    [item] = knowledge_add(creator=membership.creator, items=[form.item], origin="settings")
    messages.success(request, _("Saved (%(kind)s #%(id)s).") % {"kind": item.get_kind_display(), "id": item.id})
    return redirect("settings-knowledge")


@login_required
@require_POST
def knowledge_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _get_knowledge_for_member(request, item_id)
    membership = owner_or_403(request)
    knowledge_delete(creator=membership.creator, item_id=item.id)
    if request.htmx:
        return HttpResponse("")  # the row disappears
    messages.success(request, _("Deleted."))
    return redirect("settings-knowledge")


@login_required
@require_POST
def knowledge_upload(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    form = KnowledgeUploadForm(request.POST, request.FILES)
    report, error = None, ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
            report = knowledge_import(
                creator=membership.creator, stream=stream, fmt=format_for(upload.name),
                strict=form.cleaned_data["strict"], origin="upload",
            )
        except ImportFileError as failure:
            error = str(failure)
    status = 200 if report and not report.refused else 400
    context = _knowledge_context(request, upload_form=form, report=report, upload_error=error)
    return render(request, "settings/knowledge.html", context, status=status)


# --- community rules ---------------------------------------------------------------------------


def _get_rule_for_member(request: HttpRequest, rule_id: int) -> CommunityRule:
    return creator_object_or_404(request, CommunityRule, rule_id)


def _rules_list(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    context = {"rules": rules_in_order(membership.creator_id)}
    if request.htmx:
        return render(request, "settings/_rules_list.html", context)
    return render(request, "settings/rules.html", context)


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return _rules_list(request)


def _save_rule(request: HttpRequest, rule: CommunityRule | None) -> HttpResponse:
    membership = owner_or_403(request)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                saved = rule_create(creator=membership.creator, data=form.cleaned_data)
            else:
                saved = rule_update(rule=rule, data=form.cleaned_data)
        except RuleError as error:
            form.add_error(error.field or None, str(error))
        else:
            messages.success(request, _("Rule '%(name)s' saved.") % {"name": saved.name})
            return redirect("settings-rules")
    status = 400 if form.errors else 200
    return render(request, "settings/rule_form.html", {"form": form, "rule": rule}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    return _save_rule(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _save_rule(request, _get_rule_for_member(request, rule_id))


@login_required
@require_POST
def rule_reorder(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _get_rule_for_member(request, rule_id)
    owner_or_403(request)
    rule_move(rule=rule, step=-1 if request.POST.get("direction") == "up" else 1)
    if request.htmx:
        return _rules_list(request)
    return redirect("settings-rules")


@login_required
@require_POST
def rule_remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _get_rule_for_member(request, rule_id)
    owner_or_403(request)
    rule_delete(rule=rule)
    if request.htmx:
        return _rules_list(request)
    messages.success(request, _("Rule '%(name)s' deleted.") % {"name": rule.name})
    return redirect("settings-rules")


@login_required
@require_POST
def rule_test(request: HttpRequest) -> HttpResponse:
    """What a rule (saved or not) would have caught in the last 7 days: htmx fills it in."""
    membership = owner_or_403(request)
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    error = validate_rule(kind, value) if kind in RuleKind.values else _("Pick a kind first.")
    preview = None if error else rule_preview(creator_id=membership.creator_id, kind=kind, value=value)
    return render(request, "settings/_rule_preview.html", {"error": error, "preview": preview})
