"""Knowledge learned from edited approvals once kept the greeting, the fan's name and the
sign-off ("Coucou Yanis ! ... — Mia"), so later drafts greeted other fans by that name. Keep
only the answer; an item left empty or equal to another is removed."""

import hashlib
import re

from django.db import migrations
from django.db.models import F


# A frozen copy of clone.voice.answer_only as it was when this migration was written: a data
# migration must not change meaning when the app's code moves on.
_NAME = re.compile(r"^[^\W\d_][^\W\d_'’\-]{0,29}$", re.UNICODE)
_OPENING = re.compile(r"^\s*([^.!?,\n]{1,40})[!,]\s*")


def _first_name(name: str) -> str:
    parts = name.strip().split()
    first = parts[0] if parts else ""
    return first if _NAME.match(first) else ""


def answer_only(reply: str, persona, fan_name: str = "") -> str:
    text = reply.strip()
    signoff = persona.signoff.strip()
    if signoff and text.endswith(signoff):
        text = text[: -len(signoff)].rstrip()
    name = _first_name(fan_name)
    opening = _OPENING.match(text)
    if opening:
        words = opening.group(1).split()
        greeting = persona.greeting.strip().lower()
        if (name and name in words) or (greeting and opening.group(1).lower().startswith(greeting)) or len(words) <= 2:
            text = text[opening.end() :]
    if name:
        text = re.sub(rf"(?:,\s*)?\b{re.escape(name)}\b(?:\s*,)?", "", text).strip()
    return text.strip(" ,")


def _hash(kind: str, prompt: str, body: str) -> str:
    return hashlib.sha256("\x1f".join((kind, prompt.strip(), body.strip())).encode()).hexdigest()


def clean_learned_items(apps, schema_editor):
    KnowledgeItem = apps.get_model("clone", "KnowledgeItem")
    Persona = apps.get_model("clone", "Persona")
    Draft = apps.get_model("inbox", "Draft")
    touched = set()
    for item in KnowledgeItem.objects.filter(origin__startswith="approved_draft:").iterator():
        draft_id = item.origin.split(":", 1)[1]
        draft = Draft.objects.filter(id=draft_id).select_related("comment__fan").first() if draft_id.isdigit() else None
        persona = Persona.objects.filter(creator_id=item.creator_id).first()
        if persona is None:
            continue
        fan_name = draft.comment.fan.name if draft and draft.comment_id else ""
        body = answer_only(item.body, persona, fan_name)
        if body == item.body:
            continue
        new_hash = _hash(item.kind, item.prompt, body)
        if not body or KnowledgeItem.objects.filter(creator_id=item.creator_id, content_hash=new_hash).exists():
            item.delete()
        else:
            KnowledgeItem.objects.filter(id=item.id).update(body=body, content_hash=new_hash, embedding_model="")
        touched.add(item.creator_id)
    Persona.objects.filter(creator_id__in=touched).update(knowledge_version=F("knowledge_version") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0004_decisions_for_every_action_draft_requests"),
        ("clone", "0007_knowledge_embeddings"),
    ]

    operations = [migrations.RunPython(clean_learned_items, migrations.RunPython.noop)]
