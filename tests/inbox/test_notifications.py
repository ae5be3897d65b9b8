"""Owner alerts at once for owner-only comments; a daily digest otherwise (locmem mail)."""

from datetime import date

from django.core import mail

from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Notification
from replyqueue.inbox.notifications import digest_send, owner_alert_send
from replyqueue.inbox.tasks import send_digests
from tests.factories import drafted, ingest


def test_a_threat_emails_the_owners_at_once_with_a_link_to_the_card(creator, owner, assistant, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://rq.example"
    comment = ingest(creator, "t1", "I know where you live and I am coming for you")
    with django_capture_on_commit_callbacks(execute=True):
        comment_process(comment_id=comment.id)
    comment.refresh_from_db()
    assert comment.status == "needs_human" and comment.owner_only
    [message] = mail.outbox
    assert message.to == [owner.email]  # owners only: assistants never see owner-only comments
    assert "Needs you now" in message.subject
    assert f"https://rq.example/inbox/?tab=you#comment-{comment.id}" in message.body
    assert "I know where you live" in message.body
    assert owner_alert_send(comment_id=comment.id) is False  # a task run twice sends once
    assert len(mail.outbox) == 1


def test_routine_comments_send_no_alert(creator, owner, camera_faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        drafted(creator, "q1")
    assert mail.outbox == []


def test_the_daily_digest_lists_what_waits_with_links(creator, owner, camera_faq, settings):
    settings.SITE_URL = "https://rq.example/"
    draft = drafted(creator, "q1")
    waiting = ingest(creator, "q2", "when is the tour?")
    comment_process(comment_id=waiting.id)
    assert Comment.objects.get(id=waiting.id).status == "needs_human"
    assert digest_send(creator_id=creator.id, day=date(2026, 3, 10)) is True
    [message] = mail.outbox
    assert "1 to review, 1 waiting for you" in message.subject
    assert f"https://rq.example/inbox/?open={draft.id}#draft-{draft.id}" in message.body
    assert f"https://rq.example/inbox/?tab=you#comment-{waiting.id}" in message.body
    assert digest_send(creator_id=creator.id, day=date(2026, 3, 10)) is False  # once a day
    assert digest_send(creator_id=creator.id, day=date(2026, 3, 11)) is True
    assert Notification.objects.filter(key__startswith="digest:").count() == 2


def test_no_digest_when_nothing_waits_and_beat_runs_it(creator, owner, settings):
    assert send_digests() == 0
    assert mail.outbox == []
    assert settings.CELERY_BEAT_SCHEDULE["daily-digest"]["task"] == "replyqueue.inbox.tasks.send_digests"



def test_the_alert_is_in_the_owners_language(creator, owner, django_capture_on_commit_callbacks):
    owner.language = "fr"
    owner.save()
    comment = ingest(creator, "t1", "I know where you live and I am coming for you")
    with django_capture_on_commit_callbacks(execute=True):
        comment_process(comment_id=comment.id)
    [message] = mail.outbox
    assert "L'ouvrir :" in message.body and "À voir maintenant" in message.subject
