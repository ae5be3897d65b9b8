from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import AcceptInvitationForm
from accounts.models import Membership, User
from accounts.selectors import SESSION_KEY, invitation_for_token
from accounts.services import TeamError, invitation_accept, invitation_accept_as_new_user


@login_required
@require_POST
def switch_creator(request: HttpRequest, slug: str) -> HttpResponse:
    membership = Membership.objects.filter(user=request.user, creator__slug=slug).first()
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.creator_id
    return redirect("inbox")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch in the header: saved on the user (it follows them to any browser) and in
    the language cookie (the login page keeps it after logging out). "" follows the browser again."""
    language = request.POST.get("language", "")
    if language and language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/inbox/" if request.user.is_authenticated else settings.LOGIN_URL
    response = redirect(next_url)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(), httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH,
                               domain=settings.LANGUAGE_COOKIE_DOMAIN)
    return response


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: a new person sets a password, a logged-in one joins."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation.html", {"problem": _("This invitation link is not valid.")}, status=404)
    if not invitation.is_pending:
        problem = _("This invitation has expired or was already used. Ask the owner for a new one.")
        return render(request, "accounts/invitation.html", {"problem": problem}, status=410)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    context = {"invitation": invitation, "has_account": has_account, "form": form}
    if request.method == "GET":
        return render(request, "accounts/invitation.html", context)
    try:
        if request.user.is_authenticated:
            invitation_accept(invitation=invitation, user=request.user)
        elif has_account:
            return redirect(f"/accounts/login/?next={request.path}")
        elif form.is_valid():
            user = invitation_accept_as_new_user(invitation=invitation, password=form.cleaned_data["password"])
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        else:
            return render(request, "accounts/invitation.html", context, status=400)
    except TeamError as error:
        return render(request, "accounts/invitation.html", context | {"problem": str(error)}, status=400)
    request.session[SESSION_KEY] = invitation.creator_id
    return redirect("inbox")
