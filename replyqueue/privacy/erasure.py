"""Erasing one fan of one creator on request (GDPR art. 17): every row that holds their data.

Scoped by creator first: the same platform id under another creator is another person's
relation with another controller and is never touched.
"""

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q

from accounts.models import ApiToken, Creator, User
from replyqueue.clone.models import KnowledgeItem, Persona
from replyqueue.comments.models import Comment, Fan
from replyqueue.inbox.models import Draft
from replyqueue.privacy.models import Erasure
from replyqueue.publishing.models import Publication

# Knowledge learned from an exchange with a fan (services.knowledge_learn_from_reply and
# knowledge_from_creator_answer): its prompt is the fan's comment.
LEARNED_ORIGINS = Q(origin__startswith="approved_draft:") | Q(origin="creator_answer")


@dataclass(frozen=True)
class Requester:
    via: str  # web, api or command
    user: User | None = None
    token: ApiToken | None = None


def fan_hash(*, creator_id: int, platform: str, fan_id: str) -> str:
    return hashlib.sha256(f"{creator_id}\x1f{platform}\x1f{fan_id}".encode()).hexdigest()


def _learned_from(creator_id: int, comments: list[tuple[int, str]], draft_ids: list[int]):
    prompts = {text[:2000].strip() for _, text in comments}
    return KnowledgeItem.objects.filter(creator_id=creator_id).filter(
        Q(origin__in=[f"approved_draft:{d}" for d in draft_ids]) | (LEARNED_ORIGINS & Q(prompt__in=prompts))
    )


@transaction.atomic
def fan_erase(*, creator: Creator, platform: str, fan_id: str, requester: Requester) -> Erasure | None:
    """Delete the fan, their comments, drafts, decisions on those, draft requests, publications,
    triage verdicts, alerts and the knowledge learned from their exchanges; record the erasure.
    None when the creator has no such fan."""
    fan = Fan.objects.select_for_update().filter(creator=creator, platform=platform, external_id=fan_id).first()
    if fan is None:
        return None
    comments = list(Comment.objects.filter(creator=creator, fan=fan).values_list("id", "text"))
    comment_ids = [c for c, _ in comments]
    draft_ids = list(Draft.objects.filter(creator=creator, comment_id__in=comment_ids).values_list("id", flat=True))
    counts = {
        "knowledge": _learned_from(creator.id, comments, draft_ids).delete()[0],
        "publications": Publication.objects.filter(creator=creator, comment_id__in=comment_ids).delete()[0],
        "drafts": len(draft_ids),
        "comments": len(comment_ids),
    }
    # Drafts, decisions, draft requests, triage verdicts and alerts go with their comment (CASCADE).
    Comment.objects.filter(creator=creator, id__in=comment_ids).delete()
    fan.delete()
    # Every worker's retrieval index is keyed by this version: it is rebuilt without the items.
    Persona.objects.filter(creator=creator).update(knowledge_version=F("knowledge_version") + 1)
    return Erasure.objects.create(
        creator=creator, platform=platform, fan_hash=fan_hash(creator_id=creator.id, platform=platform, fan_id=fan_id),
        user=requester.user, token=requester.token, via=requester.via, counts=counts,
    )
