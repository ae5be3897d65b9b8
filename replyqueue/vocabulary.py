"""The `label` template filter: the word a page shows for a vocabulary value.

The values (`needs_human`, `edit_approve`, `dead` ...) are API fields, CSS classes and test
anchors, so they never change; their display words are the labels of the `TextChoices` that
define them, translated per language. This module only says which `TextChoices` each kind
of value belongs to. It sits above the apps (like urls.py) because it names them all.
Registered in settings as `labels`: `{% load labels %}`.
"""

from django import template
from django.db import models

from accounts.models import Role
from replyqueue.comments.models import Category, CommentStatus, Platform
from replyqueue.inbox.models import DecisionAction, DraftStatus
from replyqueue.publishing.models import PublicationStatus

register = template.Library()

CHOICES: dict[str, type[models.TextChoices]] = {
    "category": Category,
    "platform": Platform,
    "comment": CommentStatus,
    "draft": DraftStatus,
    "publication": PublicationStatus,
    "role": Role,
    "decision": DecisionAction,
}


@register.filter
def label(value, kind: str) -> str:
    """The word a page shows for `value` of `kind`; a value it does not know, as it is."""
    choices = CHOICES.get(kind)
    if choices is None or value not in choices.values:
        return value
    return str(choices(value).label)
