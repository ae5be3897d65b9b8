"""Small builders for rows the tests need, going through the real services where one exists."""

from replyqueue.comments.models import Comment
from replyqueue.comments.services import comments_ingest
from replyqueue.inbox.drafting import comment_process, draft_request_run
from replyqueue.inbox.models import Draft, DraftRequest, DraftRequestKind
from tests.conftest import comment_payload

# A romance-scam bot that the safety model flags (as harassment), below the spam-over-safety threshold.
ROMANCE_BOT = "Hi dear, you have a lovely smile, I am a widowed captain serving overseas, write to me on hangouts so we can talk"


def ingest(creator, external_id: str = "c1", text: str = "What camera do you use?", **extra) -> Comment:
    [result] = comments_ingest(creator=creator, items=[comment_payload(external_id, text, **extra)])
    return result.comment


def drafted(creator, external_id: str = "c1", text: str = "What camera do you use?", **extra) -> Draft:
    """A comment ingested and processed by the clone; the knowledge must answer it."""
    comment = ingest(creator, external_id, text, **extra)
    comment_process(comment_id=comment.id)
    return Draft.objects.select_related("comment__fan", "creator").get(comment=comment)


def processed(creator, external_id: str, text: str, **extra) -> Comment:
    """A comment ingested and taken through triage and drafting, whatever they decide."""
    comment = ingest(creator, external_id, text, **extra)
    comment_process(comment_id=comment.id)
    return Comment.objects.get(id=comment.id)


def redraft(comment_id: int, instruction: str = "", alternatives: int = 1) -> str | None:
    """Ask for a new draft as a reviewer would (the request row), and run it as the worker does."""
    comment = Comment.objects.get(id=comment_id)
    kind = DraftRequestKind.ALTERNATIVES if alternatives > 1 else DraftRequestKind.REGENERATE
    request = DraftRequest.objects.create(
        creator_id=comment.creator_id, comment=comment, kind=kind, instruction=instruction, count=alternatives
    )
    return draft_request_run(request_id=request.id)
