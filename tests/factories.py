"""Small builders for rows the tests need, going through the real services where one exists."""

from replyqueue.clone.services import comment_process
from replyqueue.comments.models import Comment
from replyqueue.comments.services import comments_ingest
from replyqueue.inbox.models import Draft
from tests.conftest import comment_payload


def ingest(creator, external_id: str = "c1", text: str = "What camera do you use?", **extra) -> Comment:
    [result] = comments_ingest(creator=creator, items=[comment_payload(external_id, text, **extra)])
    return result.comment


def drafted(creator, external_id: str = "c1", text: str = "What camera do you use?", **extra) -> Draft:
    """A comment ingested and processed by the clone; the knowledge must answer it."""
    comment = ingest(creator, external_id, text, **extra)
    comment_process(comment_id=comment.id)
    return Draft.objects.select_related("comment__fan", "creator").get(comment=comment)
