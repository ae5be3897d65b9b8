from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: a new person sets a password, a logged-in one joins."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation.html", {"problem": "This invitation link is not valid."}, status=404)
    if not invitation.is_pending:
        problem = "This invitation has expired or was already used. Ask the owner for a new one."
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
