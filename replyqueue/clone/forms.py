import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from replyqueue.clone.importing import validate_item
from replyqueue.clone.knowledge import KnowledgeInput
from replyqueue.clone.models import CommunityRule, KnowledgeKind, Persona, RuleAction, RuleKind
from replyqueue.clone.serializers import KnowledgeIn

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PersonaForm(forms.ModelForm):
    languages = forms.CharField(
        required=False, label=_("Languages"), help_text=_("Language codes, comma-separated: en, fr.")
    )
    avoid_topics = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Topics never to engage on"),
        help_text=_("One per line; comments about them always go to you."),
    )
    typical_length = forms.IntegerField(
        validators=[MinValueValidator(20), MaxValueValidator(2000)],
        label=_("Typical length"),
        help_text=_("Typical reply length in characters."),
    )
    emoji_rate = forms.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        label=_("Emoji rate"),
        help_text=_("Share of replies with an emoji (0 to 1)."),
    )
    confidence_threshold = forms.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        label=_("Confidence threshold"),
        help_text=_("Below this confidence (0 to 1) the clone drafts nothing and hands the comment to you."),
    )

    class Meta:
        model = Persona
        fields = [
            "display_name", "greeting", "signoff", "tone", "typical_length", "emoji_rate", "favourite_emoji",
            "languages", "avoid_topics", "disclosure_label", "confidence_threshold", "support_resources",
        ]
        # The model's field names made these labels; here they can be translated.
        labels = {
            "display_name": _("Display name"),
            "greeting": _("Greeting"),
            "signoff": _("Sign-off"),
            "tone": _("Tone"),
            "favourite_emoji": _("Favourite emoji"),
            "disclosure_label": _("Disclosure label"),
            "support_resources": _("Support resources"),
        }
        help_texts = {
            "support_resources": _(
                "Suggested to you on sensitive comments (crisis, health, money...), e.g. a helpline you trust."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lists are edited as text: "en, fr" and one topic per line.
        if isinstance(self.initial.get("languages"), list):
            self.initial["languages"] = ", ".join(self.initial["languages"])
        if isinstance(self.initial.get("avoid_topics"), list):
            self.initial["avoid_topics"] = "\n".join(self.initial["avoid_topics"])

    def clean_languages(self) -> list[str]:
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",") if code.strip()]
        bad = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if bad:
            raise forms.ValidationError(
                gettext("Not a language code: %(codes)s (use codes like en, fr).") % {"codes": ", ".join(bad)}
            )
        return list(dict.fromkeys(codes))

    def clean_avoid_topics(self) -> list[str]:
        topics = _lines(self.cleaned_data["avoid_topics"])
        if any(len(topic) > 100 for topic in topics):
            raise forms.ValidationError(gettext("Keep each topic under 100 characters."))
        return topics


# The API's field names for what a fan would ask (prompt) and what the creator said (body).
API_NAMES = {
    KnowledgeKind.FAQ: ("question", "answer"),
    KnowledgeKind.REPLY: ("comment", "reply"),
    KnowledgeKind.POST: ("title", "text"),
}


class KnowledgeForm(forms.Form):
    """One item, validated by the API's own serializer so the page and the API agree."""

    kind = forms.ChoiceField(choices=[("faq", _("FAQ")), ("reply", _("Past reply")), ("post", _("Post"))], label=_("Kind"))
    prompt = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Question / fan comment / post title"),
    )
    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Answer / your reply / post text"),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        prompt_name, body_name = API_NAMES[kind]
        raw = {"kind": kind}
        if data.get("prompt", "").strip():
            raw[prompt_name] = data["prompt"]
        if data.get("body", "").strip():
            raw[body_name] = data["body"]
        result = validate_item(KnowledgeIn(), raw)
        if isinstance(result, str):
            # "answer: Required for kind 'faq'." -> shown under the body field
            for part in result.split("; "):
                name, _sep, message = part.partition(": ")
                field = "prompt" if name == prompt_name else "body" if name == body_name else None
                self.add_error(field, message if field else part)
        else:
            data["item"] = result
        return data

    @property
    def item(self) -> KnowledgeInput:
        return self.cleaned_data["item"]


class KnowledgeUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (with a header row), JSON or JSONL, up to 5 MB; API field names.")
    )
    strict = forms.BooleanField(required=False, label=_("Refuse the whole file if any row is invalid"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext(
                    "The file is %(size)s MB; uploads are limited to %(limit)s MB. "
                    "Import bigger files with `manage.py import_knowledge`."
                )
                % {"size": f"{upload.size / 1_048_576:.1f}", "limit": MAX_UPLOAD_BYTES // 1_048_576}
            )
        return upload


class RuleForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=RuleKind.choices, label=_("Kind"))
    action = forms.ChoiceField(choices=RuleAction.choices, label=_("Action"))
    position = forms.IntegerField(
        required=False, min_value=0, label=_("Position"), help_text=_("Leave empty to add it last.")
    )

    class Meta:
        model = CommunityRule
        fields = ["name", "kind", "value", "action", "label", "enabled", "position"]
        widgets = {"value": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "name": _("Name"),
            "value": _("Words, phrases, patterns or fans (one per line)"),
            "label": _("Label"),
            "enabled": _("Enabled"),
        }
        help_texts = {"value": _("Not needed for 'Any link'."), "label": _("Shown on matching comments.")}
