"""Settings pages owned by accounts: the index, team, API tokens and webhook (under /settings/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import creator_object_or_404, membership_or_404, owner_or_403
from accounts.forms import InviteForm, RoleForm, TokenForm, WebhookForm
from accounts.models import ApiToken, Invitation, Membership, Role
from accounts.selectors import api_tokens, pending_invitations, team_members
from accounts.services import (
    TeamError,
    api_token_create,
    api_token_revoke,
    invitation_create,
    invitation_send,
    membership_remove,
    membership_set_role,
    webhook_set,
)

SECTIONS = [
    # (url name, title, what it is, owners only)
    ("settings-team", gettext_lazy("Team"), gettext_lazy("Who can review replies, and their roles."), False),
    ("settings-voice", gettext_lazy("Voice"), gettext_lazy("How the clone greets, signs off and sounds."), False),
    (
        "settings-knowledge", gettext_lazy("Knowledge"),
        gettext_lazy("FAQs, past replies and posts the clone may draw on."), False,
    ),
    (
        "settings-rules", gettext_lazy("Community rules"),
        gettext_lazy("Words, links and fans that get no reply, or go to you."), False,
    ),
    (
        "settings-snippets", gettext_lazy("Snippets"),
        gettext_lazy("Saved replies with {fan_name} and {link}, inserted with ; in the inbox."), False,
    ),
    (
        "settings-tokens", gettext_lazy("API tokens"),
        gettext_lazy("Keys for pushing comments and knowledge over the API."), True,
    ),
    ("settings-webhook", gettext_lazy("Webhook"), gettext_lazy("Where approved replies are delivered."), True),
    (
        "settings-privacy", gettext_lazy("Privacy"),
        gettext_lazy("Erase a fan on request, download all your data, retention."), True,
    ),
]


def _get_member_for_member(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of the member's current creator; 404 otherwise."""
    return creator_object_or_404(request, Membership.objects.select_related("user"), membership_id)


def _get_invitation_for_member(request: HttpRequest, invitation_id: int) -> Invitation:
    return creator_object_or_404(request, Invitation, invitation_id)


def _get_token_for_member(request: HttpRequest, token_id: int) -> ApiToken:
    return creator_object_or_404(request, ApiToken, token_id)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    sections = [
        {"url_name": name, "title": title, "about": about}
        for name, title, about, owners_only in SECTIONS
        if membership.is_owner or not owners_only
    ]
    return render(request, "settings/index.html", {"sections": sections})


def _team_page(request: HttpRequest, invite_form: InviteForm | None = None, status: int = 200) -> HttpResponse:
    membership = membership_or_404(request)
    context = {
        "members": team_members(membership.creator_id),
        "invitations": pending_invitations(membership.creator_id) if membership.is_owner else [],
        "invite_form": invite_form or InviteForm(),
        "roles": RoleForm.base_fields["role"].choices,
    }
    return render(request, "settings/team.html", context, status=status)


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


@login_required
@require_POST
def team_invite(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, form, status=400)
    try:
        invitation, raw = invitation_create(
            creator=membership.creator, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            invited_by=request.user,
        )
    except TeamError as error:
        form.add_error("email", str(error))
        return _team_page(request, form, status=400)
    try:
        invitation_send(invitation=invitation, raw_token=raw, base_url=request.build_absolute_uri("/"))
    except OSError as error:  # SMTP and socket errors: the invitation exists, the email did not leave
        messages.error(
            request,
            _("The invitation to %(email)s could not be emailed (%(error)s); invite again.")
            % {"email": invitation.email, "error": error},
        )
    else:
        messages.success(request, _("Invitation sent to %(email)s (valid 7 days).") % {"email": invitation.email})
    return redirect("settings-team")


@login_required
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    member = _get_member_for_member(request, membership_id)
    owner_or_403(request)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a role: owner, assistant or viewer."))
    else:
        try:
            member = membership_set_role(membership=member, role=form.cleaned_data["role"])
            messages.success(
                request, _("%(email)s is now %(role)s.") % {"email": member.user.email, "role": Role(member.role).label}
            )
        except TeamError as error:
            messages.error(request, str(error))
    return redirect("settings-team")


@login_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    member = _get_member_for_member(request, membership_id)
    owner_or_403(request)
    try:
        membership_remove(membership=member)
    except TeamError as error:
        messages.error(request, str(error))
        return redirect("settings-team")
    messages.success(request, _("%(email)s was removed.") % {"email": member.user.email})
    if member.user_id == request.user.id:
        return redirect("/")
    return redirect("settings-team")


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _get_invitation_for_member(request, invitation_id)
    owner_or_403(request)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()
    messages.success(request, _("The invitation to %(email)s was cancelled.") % {"email": invitation.email})
    return redirect("settings-team")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = api_token_create(creator=membership.creator, name=form.cleaned_data["name"])
        # Rendered, not redirected: the raw token exists only in this one response.
        response = render(request, "settings/token_created.html", {"token": token, "raw": raw})
        response["Cache-Control"] = "no-store"
        return response
    context = {"tokens": api_tokens(membership.creator_id), "form": form}
    return render(request, "settings/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = _get_token_for_member(request, token_id)
    owner_or_403(request)
    api_token_revoke(token=token)
    if request.htmx:
        return render(request, "settings/_token_row.html", {"token": token})
    messages.success(request, _("Token '%(name)s' revoked: it no longer works.") % {"name": token.name})
    return redirect("settings-tokens")


@login_required
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    creator = membership.creator
    form = WebhookForm(request.POST or None, initial={"url": creator.webhook_url})
    if request.method == "POST" and form.is_valid():
        had_secret = bool(creator.webhook_secret)
        secret = webhook_set(creator=creator, url=form.cleaned_data["url"])
        if not had_secret:
            # The one time the secret is shown: right after it was made.
            response = render(request, "settings/webhook.html", {"form": WebhookForm(initial={"url": creator.webhook_url}), "new_secret": secret})
            response["Cache-Control"] = "no-store"
            return response
        messages.success(request, _("Webhook URL saved. The signing secret is unchanged."))
        return redirect("settings-webhook")
    return render(request, "settings/webhook.html", {"form": form}, status=400 if form.errors else 200)
