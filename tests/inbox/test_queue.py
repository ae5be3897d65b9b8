"""The review queue: filters, keyset pages, a constant number of queries, live counts."""

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext

from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.comments.models import Comment
from replyqueue.inbox.models import Draft, SavedView
from replyqueue.inbox.selectors import InboxQuery, inbox_page, tab_counts
from tests.conftest import PASSWORD
from tests.factories import drafted


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def many(creator, camera_faq):
    return [drafted(creator, f"c{i}", platform="instagram" if i % 2 else "youtube") for i in range(7)]


def test_keyset_pages_cover_every_draft_once(creator, many):
    seen, query = [], InboxQuery()
    while True:
        page = inbox_page(creator.id, query, size=3)
        seen += [d.id for d in page.rows]
        if not page.next_cursor:
            break
        query.after = page.next_cursor
    assert sorted(seen) == sorted(d.id for d in many)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_keyset_pages_work_for_each_sort(creator, many, sort):
    first = inbox_page(creator.id, InboxQuery(sort=sort), size=4)
    second = inbox_page(creator.id, InboxQuery(sort=sort, after=first.next_cursor), size=4)
    ids = [d.id for d in first.rows + second.rows]
    assert ids == sorted(ids, reverse=sort == "newest")
    assert len(set(ids)) == 7


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(creator, camera_faq):
    for i in range(30):
        drafted(creator, f"q{i}")
    counts = []
    for size in (5, 25):
        with CaptureQueriesContext(connection) as captured:
            page = inbox_page(creator.id, InboxQuery(), size=size)
            for draft in page.rows:  # what the card template touches
                _ = (draft.comment.fan.name, draft.comment.post, draft.comment.assigned_to)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_inbox_page_view_uses_a_constant_number_of_queries(client, owner, creator, camera_faq):
    login(client, owner)
    for i in range(3):
        drafted(creator, f"a{i}")
    with CaptureQueriesContext(connection) as small:
        client.get("/inbox/")
    for i in range(20):
        drafted(creator, f"b{i}")
    with CaptureQueriesContext(connection) as large:
        client.get("/inbox/")
    assert len(small) == len(large)


def test_filters_by_platform_category_confidence_and_search(creator, many):
    assert {d.comment.platform for d in inbox_page(creator.id, InboxQuery(platform="instagram")).rows} == {"instagram"}
    assert inbox_page(creator.id, InboxQuery(category="praise")).rows == []
    assert inbox_page(creator.id, InboxQuery(min_confidence=1.01)).rows == []
    assert len(inbox_page(creator.id, InboxQuery(search="CAMERA")).rows) == 7
    assert inbox_page(creator.id, InboxQuery(search="nothing like this")).rows == []


def test_filter_by_fan_and_assignee(creator, many, owner):
    Comment.objects.filter(id=many[0].comment_id).update(assigned_to=owner)
    assert [d.id for d in inbox_page(creator.id, InboxQuery(assignee="me"), owner.id).rows] == [many[0].id]
    assert len(inbox_page(creator.id, InboxQuery(assignee="none"), owner.id).rows) == 6
    assert [d.id for d in inbox_page(creator.id, InboxQuery(fan="fan-c3")).rows] == [many[3].id]


def test_the_url_holds_the_view(client, owner, many):
    body = login(client, owner).get("/inbox/?platform=instagram&sort=oldest").content.decode()
    assert 'value="instagram" selected' in body
    assert body.count('<article class="card') == 3


def test_counts_are_capped_instead_of_counting_everything(creator, camera_faq, monkeypatch):
    import replyqueue.inbox.selectors as selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        drafted(creator, f"n{i}")
    assert tab_counts(creator.id)["review"] == "2+"


def test_the_live_endpoint_reports_new_drafts_and_counts(client, owner, creator, camera_faq):
    first = drafted(creator, "one")
    drafted(creator, "two")
    body = login(client, owner).get(f"/inbox/live/?newest={first.id}").content.decode()
    assert "1 new draft" in body
    assert '<span class="count">2</span>' in body


def test_owner_only_comments_are_hidden_from_assistants(client, assistant, owner, creator, camera_faq):
    draft = drafted(creator)
    Comment.objects.filter(id=draft.comment_id).update(owner_only=True)
    assert "What camera" not in login(client, assistant).get("/inbox/").content.decode()
    assert client.post(f"/inbox/drafts/{draft.id}/approve/", HTTP_HX_REQUEST="true").status_code == 404
    client.logout()
    assert "What camera" in login(client, owner).get("/inbox/").content.decode()


def test_a_saved_view_is_listed_for_its_user_only(client, owner, assistant, creator):
    login(client, owner).post("/inbox/views/", {"name": "IG questions", "query": "platform=instagram&category=question"})
    assert SavedView.objects.get().query == "platform=instagram&category=question"
    assert "IG questions" in client.get("/inbox/").content.decode()
    client.logout()
    assert "IG questions" not in login(client, assistant).get("/inbox/").content.decode()


def test_cards_show_sources_and_the_fans_earlier_exchanges(client, owner, creator, camera_faq):
    from replyqueue.inbox.actions import Actor, draft_approve

    earlier = drafted(creator, "old")
    draft_approve(draft=earlier, actor=Actor(role="owner", user=owner), text="Sony A7 IV, Sam!")
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "Which lens?", "Sigma 24-70.")])
    drafted(creator, "new", author={"external_id": "fan-old", "name": "Sam Carter"})
    body = login(client, owner).get("/inbox/").content.decode()
    assert "1 earlier exchange with this fan" in body
    assert "Sony A7 IV, Sam!" in body
    # The draft rests on the FAQ or on the answer the earlier approval taught: either is shown with its question.
    assert "faq: What camera do you use?" in body or "reply: What camera do you use?" in body
    assert Draft.objects.filter(status="pending").count() == 1
