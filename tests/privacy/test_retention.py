"""Retention: old fan comments and decision texts are redacted, never work still in progress."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from replyqueue.clone.models import TriageFeedback
from replyqueue.comments.models import Comment, Fan
from replyqueue.inbox.actions import Actor, draft_approve, draft_reject
from replyqueue.inbox.models import Decision, Draft
from replyqueue.privacy.retention import retention_apply
from replyqueue.privacy.tasks import apply_retention
from replyqueue.publishing.models import Publication
from tests.factories import drafted, ingest

DAYS = 30


def _age(comment_id: int, days: int = DAYS + 1) -> None:
    then = timezone.now() - timedelta(days=days)
    Comment.objects.filter(id=comment_id).update(received_at=then)
    Decision.objects.filter(comment_id=comment_id).update(created_at=then)
    Decision.objects.filter(draft__comment_id=comment_id).update(created_at=then)


def _sent(creator, owner, external_id: str) -> Draft:
    draft = drafted(creator, external_id)
    publication = draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner), text="Sony, always.")
    Publication.objects.filter(id=publication.id).update(status="sent")
    return draft


def test_it_redacts_an_old_answered_comment_and_its_decision_texts(creator, owner, camera_faq):
    draft = _sent(creator, owner, "c1")
    _age(draft.comment_id)
    retention_apply(now=timezone.now(), days=DAYS)
    comment = Comment.objects.get(id=draft.comment_id)
    assert comment.text == "" and comment.external_id == "c1"
    decision = Decision.objects.get(draft=draft)
    assert (decision.action, decision.before_text, decision.after_text) == ("edit_approve", "", "")
    assert not TriageFeedback.objects.filter(comment_id=comment.id).exists()


def test_it_blanks_the_name_of_a_fan_left_with_redacted_comments_only(creator, owner, camera_faq):
    draft = _sent(creator, owner, "c1")
    _age(draft.comment_id)
    retention_apply(now=timezone.now(), days=DAYS)
    assert Fan.objects.get(id=draft.comment.fan_id).name == ""


def test_it_redacts_the_text_of_a_rejected_draft(creator, owner, camera_faq):
    draft = drafted(creator, "c1")
    draft_reject(draft=draft, actor=Actor(role=Role.OWNER, user=owner), reason="no")
    _age(draft.comment_id)
    retention_apply(now=timezone.now(), days=DAYS)
    assert Draft.objects.get(id=draft.id).text == ""


def test_it_keeps_a_recent_comment(creator, owner, camera_faq):
    draft = _sent(creator, owner, "c1")
    _age(draft.comment_id, days=DAYS - 1)
    retention_apply(now=timezone.now(), days=DAYS)
    assert Comment.objects.get(id=draft.comment_id).text == "What camera do you use?"


def test_it_never_redacts_a_comment_whose_draft_is_pending(creator, camera_faq):
    draft = drafted(creator, "c1")
    _age(draft.comment_id)
    retention_apply(now=timezone.now(), days=DAYS)
    assert Comment.objects.get(id=draft.comment_id).text == "What camera do you use?"
    assert Draft.objects.get(id=draft.id).text == draft.text


def test_it_never_redacts_a_comment_not_processed_yet(creator):
    comment = ingest(creator, "c1")
    _age(comment.id)
    retention_apply(now=timezone.now(), days=DAYS)
    assert Comment.objects.get(id=comment.id).text == "What camera do you use?"


def test_it_never_redacts_a_comment_whose_publication_is_not_final(creator, owner, camera_faq):
    for status in ("queued", "sending", "failed", "unknown", "dead"):
        draft = drafted(creator, f"c-{status}")
        publication = draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner))
        Publication.objects.filter(id=publication.id).update(status=status)
        _age(draft.comment_id)
    retention_apply(now=timezone.now(), days=DAYS)
    assert not Comment.objects.filter(text="").exists()


def test_it_does_nothing_when_retention_is_off(creator, owner, camera_faq, settings):
    settings.RETENTION_DAYS = 0
    draft = _sent(creator, owner, "c1")
    _age(draft.comment_id, days=3650)
    assert apply_retention() == {"comments": 0, "decisions": 0, "fans": 0}
    assert Comment.objects.get(id=draft.comment_id).text == "What camera do you use?"


def test_the_beat_task_applies_the_setting(creator, owner, camera_faq, settings):
    settings.RETENTION_DAYS = DAYS
    draft = _sent(creator, owner, "c1")
    _age(draft.comment_id)
    assert apply_retention()["comments"] == 1
    assert Comment.objects.get(id=draft.comment_id).text == ""


def test_beat_runs_the_retention_task():
    from django.conf import settings

    from replyqueue.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] in app.tasks
