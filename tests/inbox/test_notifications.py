"""Owner alerts at once for owner-only comments; a daily digest otherwise (locmem mail)."""

from datetime import date

import pytest
from django.core import mail

from replyqueue.clone.models import CommunityRule
from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process, comments_process
from replyqueue.inbox.models import Notification
from replyqueue.inbox.notifications import ALERT_ITEMS, digest_send, owner_alert_send, owner_alerts_send
from replyqueue.inbox.tasks import send_digests
from tests.factories import ROMANCE_BOT, drafted, ingest


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
    assert "le propriétaire le voit en premier" in message.body  # the reason too, not its stored English
    assert "the owner sees it first" not in message.body


THREATS = [
    "I know where you live and I am coming for you",
    "je sais où tu habites, fais gaffe à toi",
    "I'm going to find you after your next stream",
    "je vais te retrouver et tu vas le regretter",
    "we know where you sleep, watch your back",
]


def test_a_burst_of_threats_is_one_email_listing_each_not_one_per_comment(creator, owner, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://rq.example"
    comments = [ingest(creator, f"t{i}", text) for i, text in enumerate(THREATS)]
    with django_capture_on_commit_callbacks(execute=True):
        comments_process(comment_ids=[c.id for c in comments])  # one triage batch, as the worker runs a burst
    assert {c.status for c in Comment.objects.filter(id__in=[c.id for c in comments])} == {"needs_human"}
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Needs you now: 5 comments" in message.subject
    for comment in comments:
        assert f"https://rq.example/inbox/?tab=you#comment-{comment.id}" in message.body
        assert comment.text in message.body
    assert Notification.objects.filter(key__startswith="alert:").count() == 5
    assert owner_alerts_send(comment_ids=[c.id for c in comments]) == 0  # a task run twice sends once
    assert len(mail.outbox) == 1


def test_an_alert_for_many_comments_shows_the_first_ones_and_counts_the_rest(creator, owner, settings):
    settings.SITE_URL = "https://rq.example"
    comments = [ingest(creator, f"t{i}", f"{THREATS[i % len(THREATS)]} #{i}") for i in range(ALERT_ITEMS + 3)]
    Comment.objects.filter(id__in=[c.id for c in comments]).update(status="needs_human", owner_only=True, category="threat")
    assert owner_alerts_send(comment_ids=[c.id for c in comments]) == ALERT_ITEMS + 3
    [message] = mail.outbox
    assert f"Needs you now: {ALERT_ITEMS + 3} comments" in message.subject
    assert "3 more wait for you: https://rq.example/inbox/?tab=you" in message.body
    assert message.body.count("#comment-") == ALERT_ITEMS


def test_comments_alerted_already_are_left_out_of_the_next_alert(creator, owner):
    first, second = (ingest(creator, f"t{i}", THREATS[i]) for i in range(2))
    Comment.objects.filter(id__in=[first.id, second.id]).update(status="needs_human", owner_only=True, category="threat")
    assert owner_alert_send(comment_id=first.id) is True
    assert owner_alerts_send(comment_ids=[first.id, second.id]) == 1
    assert len(mail.outbox) == 2 and THREATS[1] in mail.outbox[1].body and THREATS[0] not in mail.outbox[1].body


def test_a_failed_send_frees_the_comments_for_the_retry(creator, owner, monkeypatch):
    comments = [ingest(creator, f"t{i}", THREATS[i]) for i in range(2)]
    Comment.objects.filter(id__in=[c.id for c in comments]).update(status="needs_human", owner_only=True, category="threat")

    def refused(*args, **kwargs):
        raise OSError("the mail server refused")

    monkeypatch.setattr("replyqueue.inbox.notifications.send_mail", refused)
    with pytest.raises(OSError):
        owner_alerts_send(comment_ids=[c.id for c in comments])
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert owner_alerts_send(comment_ids=[c.id for c in comments]) == 2


def test_possibly_spam_waiting_for_the_owner_sends_no_alert_but_is_in_the_digest(creator, owner, settings):
    settings.SITE_URL = "https://rq.example"
    copies = [ingest(creator, f"bot{i}", f"{ROMANCE_BOT} #{i}") for i in range(3)]
    Comment.objects.filter(id__in=[c.id for c in copies]).update(status="needs_human", owner_only=True, category="spam", priority=50)
    assert owner_alerts_send(comment_ids=[c.id for c in copies]) == 0
    assert mail.outbox == []
    assert digest_send(creator_id=creator.id, day=date(2026, 3, 10)) is True
    [message] = mail.outbox
    assert "3 waiting for you" in message.subject
    assert f"https://rq.example/inbox/?tab=you#comment-{copies[0].id}" in message.body


def test_spam_a_creators_own_rule_escalated_still_emails_them_at_once(creator, owner):
    rule = CommunityRule.objects.create(creator=creator, name="my ex", kind="phrase", value="jordan", action="escalate")
    comment = ingest(creator, "bot", f"{ROMANCE_BOT} jordan")
    Comment.objects.filter(id=comment.id).update(status="needs_human", owner_only=True, category="spam", triage_rule=rule)
    assert owner_alert_send(comment_id=comment.id) is True
    assert len(mail.outbox) == 1
