"""Settings pages owned by the inbox: snippets (saved replies), under /settings/."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import creator_object_or_404, membership_or_404, owner_or_403
from replyqueue.inbox.models import MAX_REPLY_CHARS, Snippet


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["name", "text"]
        labels = {"name": gettext_lazy("Name"), "text": gettext_lazy("Reply")}
        help_texts = {
            "name": gettext_lazy("What you type in the picker to find it."),
            "text": gettext_lazy("Variables: {fan_name}, {link} (the post's address), {creator}."),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REPLY_CHARS})}

    def __init__(self, *args, creator_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.creator_id = creator_id

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Snippet.objects.filter(creator_id=self.creator_id, name__iexact=name).exclude(id=self.instance.id).exists():
            raise forms.ValidationError(_("You already have a snippet with this name."))
        return name


@login_required
@require_http_methods(["GET", "POST"])
def snippets(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    form = SnippetForm(creator_id=membership.creator_id)
    status = 200
    if request.method == "POST":
        owner_or_403(request)
        form = SnippetForm(request.POST, creator_id=membership.creator_id, instance=Snippet(creator_id=membership.creator_id))
        if form.is_valid():
            form.save()
            messages.success(request, _("Snippet saved: type ; on a card in the inbox to insert it."))
            return redirect("settings-snippets")
        status = 400
    context = {"form": form, "snippets": Snippet.objects.filter(creator_id=membership.creator_id)}
    return render(request, "settings/snippets.html", context, status=status)


@login_required
@require_POST
def snippet_delete(request: HttpRequest, snippet_id: int) -> HttpResponse:
    owner_or_403(request)
    creator_object_or_404(request, Snippet, snippet_id).delete()
    messages.success(request, _("Snippet deleted."))
    return redirect("settings-snippets")
