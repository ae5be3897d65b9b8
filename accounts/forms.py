from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import INVITABLE_ROLES
from replyqueue.core.netguard import webhook_url_error


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"))
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in INVITABLE_ROLES], initial=Role.ASSISTANT, label=_("Role")
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))


class AcceptInvitationForm(forms.Form):
    """A new person picks the password of the account the invitation creates."""

    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False, label=_("Password")
    )
    password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False, label=_("Password again")
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password and password != data.get("password_again"):
            raise forms.ValidationError(_("The two passwords differ."))
        if password:
            # Checked against the account about to be made, so a password like the email is refused.
            validate_password(password, User(username=self.email, email=self.email))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("What uses it, e.g. 'Zapier' or 'comment importer'.")
    )


class WebhookForm(forms.Form):
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label=_("Webhook URL"),
        help_text=_("Approved replies are POSTed here, signed (Standard Webhooks)."),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Use an http:// or https:// URL."))
        if error := webhook_url_error(url):
            raise forms.ValidationError(error)
        return url
