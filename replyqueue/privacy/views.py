"""The privacy settings page: erase a fan, download everything, see the retention in force."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import membership_or_404, owner_or_403
from replyqueue.comments.models import Platform
from replyqueue.privacy.erasure import Requester, fan_erase
from replyqueue.privacy.export import export_response
from replyqueue.privacy.models import Erasure


class FanEraseForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices, label=gettext_lazy("Platform"))
    fan_id = forms.CharField(
        max_length=200, label=gettext_lazy("Fan id on the platform"),
        help_text=gettext_lazy("As the platform gives it (the author id of their comments), not their name."),
    )


def _page(request: HttpRequest, form: FanEraseForm, status: int = 200) -> HttpResponse:
    membership = membership_or_404(request)
    context = {
        "form": form,
        "erasures": Erasure.objects.filter(creator_id=membership.creator_id).select_related("user", "token")[:50],
        "retention_days": settings.RETENTION_DAYS,
    }
    return render(request, "settings/privacy.html", context, status=status)


@login_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    owner_or_403(request)
    return _page(request, FanEraseForm())


@login_required
@require_POST
def erase(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    form = FanEraseForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    erasure = fan_erase(
        creator=membership.creator, platform=form.cleaned_data["platform"], fan_id=form.cleaned_data["fan_id"],
        requester=Requester(via="web", user=request.user),
    )
    if erasure is None:
        form.add_error("fan_id", _("No fan with this id on this platform."))
        return _page(request, form, status=404)
    messages.success(request, _("The fan's comments, drafts, replies and learned knowledge were erased."))
    return redirect("settings-privacy")


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    membership = owner_or_403(request)
    return export_response(creator=membership.creator)
