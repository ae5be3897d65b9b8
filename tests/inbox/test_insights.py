"""The insights page's numbers on a small fixture whose answers are known."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.insights import insights
from replyqueue.inbox.models import Decision
from replyqueue.publishing.models import Publication
from tests.factories import drafted, ingest
from tests.pages import login

UTC = ZoneInfo("UTC")
TODAY = date(2026, 3, 10)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def fixture(creator, owner, assistant, camera_faq):
    """Day 9: 2 questions (youtube; one drafted and approved, one edited), 1 spam (instagram,
    no reply). Day 10: 1 abstained question, 1 threat set aside (instagram). One reply sent 30
    min after its comment, one 90 min after. The owner approved and rejected, the assistant edited."""
    a, b = drafted(creator, "q1"), drafted(creator, "q2", "which camera is that?")
    spam = ingest(creator, "s1", "free crypto", platform="instagram")
    abstained = ingest(creator, "q3", "when is the next tour?")
    threat = ingest(creator, "t1", "I know where you live", platform="instagram")
    Comment.objects.filter(id=a.comment_id).update(received_at=at(9, 10), category="question")
    Comment.objects.filter(id=b.comment_id).update(received_at=at(9, 11), category="question")
    Comment.objects.filter(id=spam.id).update(received_at=at(9, 12), category="spam", status="no_reply", reason="spam", reasons=["spam"])
    Comment.objects.filter(id=abstained.id).update(
        received_at=at(10, 9), category="question", status="needs_human", reason="Nothing the creator has said answers this comment."
    )
    Comment.objects.filter(id=threat.id).update(
        received_at=at(10, 9, 30), category="threat", status="needs_human", reason="threat", reasons=["threat"], owner_only=True
    )
    for draft, minutes in ((a, 30), (b, 90)):
        Publication.objects.create(
            creator=creator, draft=draft, comment_id=draft.comment_id, text=draft.text, status="sent",
            sent_at=at(9, 10 if draft is a else 11) + timedelta(minutes=minutes),
        )
    for user, action, when in (
        (owner, "approve", at(9, 10, 5)), (assistant, "edit_approve", at(9, 11, 5)), (owner, "reject", at(10, 10)),
        (owner, "approve", at(1, 10)),  # outside the 7 days
    ):
        Decision.objects.create(creator=creator, user=user, action=action, created_at=when)
    return creator


def test_the_numbers(fixture):
    with timezone.override(UTC):
        data = insights(fixture.id, days=7, today=TODAY)
    assert data.days[-1] == TODAY and len(data.days) == 7
    assert data.by_category["question"][-2:] == [2, 1]
    assert data.by_category["spam"][-2:] == [1, 0] and data.by_category["threat"][-2:] == [0, 1]
    assert data.by_platform == {"youtube": [0, 0, 0, 0, 0, 2, 1], "instagram": [0, 0, 0, 0, 0, 1, 1]}
    assert data.outcomes == {"drafted": 2, "abstained": 1, "auto_filed": 1, "set_aside": 1, "waiting": 0}
    assert data.share("drafted") == pytest.approx(0.4)
    assert data.decisions == {
        "approve": [0, 0, 0, 0, 0, 1, 0], "edit_approve": [0, 0, 0, 0, 0, 1, 0], "reject": [0, 0, 0, 0, 0, 0, 1],
    }
    assert sorted(data.first_reply_minutes) == [30.0, 90.0] and data.first_reply_median == 60.0
    assert data.reviewers == [
        ("owner@example.com", {"approve": 1, "edit_approve": 0, "reject": 1}),
        ("assistant@example.com", {"approve": 0, "edit_approve": 1, "reject": 0}),
    ]


def test_days_follow_the_time_zone(fixture):
    """A day is the viewer's day: in Kiritimati (UTC+14) all three questions came on the 10th."""
    with timezone.override(ZoneInfo("Asia/Tokyo")):  # +9: 9th 10:00 UTC is the 9th 19:00, 10th 09:00 UTC is 18:00
        data = insights(fixture.id, days=7, today=TODAY)
    assert data.by_category["question"][-2:] == [2, 1]
    with timezone.override(ZoneInfo("Pacific/Kiritimati")):  # +14: the 9th 10:00 UTC is the 10th 00:00
        data = insights(fixture.id, days=7, today=date(2026, 3, 11))
    assert data.by_category["question"][-3:] == [0, 3, 0]


def test_the_page_draws_svg_charts(client, owner, fixture):
    body = login(client, owner).get("/inbox/insights/?days=30").content.decode()
    assert body.count("<svg viewBox") >= 4 and "<script" not in body.split("<main>")[1].split("</main>")[0]
    assert "Time to first reply" in body and "approved as drafted" in body and "edited, then approved" in body


CAMPAIGN = "Amazing content! I post similar edits daily, you would love my page too"


def test_the_page_says_what_the_creators_marks_taught_and_after_how_many(client, owner, creator):
    first = ingest(creator, "m1", CAMPAIGN)
    comment_process(comment_id=first.id)
    fine = ingest(creator, "m2", "What lens did you use for the portraits?")
    comment_process(comment_id=fine.id)
    page = login(client, owner)
    assert "No mark yet" in page.get("/inbox/insights/").content.decode()
    page.post(f"/inbox/comments/{first.id}/mark/", {"category": "spam"}, HTTP_HX_REQUEST="true")
    page.post(f"/inbox/comments/{fine.id}/mark/", {"category": "question"}, HTTP_HX_REQUEST="true")
    copy = ingest(creator, "m3", CAMPAIGN.replace("daily", "every day"))
    comment_process(comment_id=copy.id)
    data = insights(creator.id, days=7).marks
    assert (data.spam, data.abuse, data.neither, data.sorted_otherwise, data.first_after) == (1, 0, 1, 1, 2)
    body = page.get("/inbox/insights/").content.decode()
    assert "You marked 2 comments: 1 spam, 0 abuse, 1 neither." in body
    assert "1 comment was sorted otherwise than the model alone would have" in body
    assert "The first came after 2 marks." in body
