from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import Membership
from accounts.selectors import SESSION_KEY


@login_required
@require_POST
def switch_creator(request: HttpRequest, slug: str) -> HttpResponse:
    membership = Membership.objects.filter(user=request.user, creator__slug=slug).first()
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.creator_id
    return redirect("inbox")
