import pytest
from django.http import HttpRequest

from replyqueue.inbox.models import Decision, Draft
from replyqueue.publishing.models import Publication
from tests.conftest import PASSWORD
from tests.factories import drafted, ingest

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(creator, camera_faq):
    return drafted(creator)


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_it_redirects_anonymous_users_to_login(client, db):
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_login_page_logs_in_with_email_and_password(client, owner):
    response = client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/inbox/"


def test_it_lists_pending_drafts_beside_the_fans_comment(client, owner, draft):
    body = login(client, owner).get("/inbox/").content.decode()
    assert "What camera do you use?" in body
    assert "Sony A7 IV" in body
    assert f'id="draft-{draft.id}"' in body


def test_it_escapes_html_in_fan_comments_and_names(client, owner, creator, camera_faq):
    ingest(creator, "x", "<script>alert(1)</script> what camera do you use?", author={"external_id": "f", "name": "<img src=x onerror=alert(2)>"})
    from replyqueue.comments.models import Comment
    from replyqueue.inbox.drafting import comment_process

    comment_process(comment_id=Comment.objects.get().id)
    body = login(client, owner).get("/inbox/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body


def test_it_shows_only_the_members_creator(client, outsider, draft):
    body = login(client, outsider).get("/inbox/").content.decode()
    assert "What camera do you use?" not in body


def test_approve_in_place_returns_the_decided_card(client, owner, draft):
    response = login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"text": draft.text, "version": draft.version}, **HTMX)
    assert response.status_code == 200
    assert "Approved" in response.content.decode()
    assert "inbox:decided" in response.headers["HX-Trigger"]
    draft.refresh_from_db()
    assert draft.status == "approved"
    assert Publication.objects.filter(draft=draft, status="queued").count() == 1


def test_edit_and_approve_records_before_and_after(client, owner, draft):
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"text": "Sony all day!", "version": draft.version}, **HTMX)
    decision = Decision.objects.get(draft=draft)
    assert decision.action == "edit_approve"
    assert decision.user == owner
    assert decision.before_text == draft.text
    assert decision.after_text == "Sony all day!"
    assert Publication.objects.get(draft=draft).text.startswith("Sony all day!")


def test_reject_records_the_reason(client, owner, draft):
    login(client, owner).post(f"/inbox/drafts/{draft.id}/reject/", {"reason": "too salesy", "version": draft.version}, **HTMX)
    draft.refresh_from_db()
    assert draft.status == "rejected"
    assert Decision.objects.get(draft=draft).reason == "too salesy"
    assert not Publication.objects.exists()


def test_a_second_decision_on_the_same_draft_shows_the_current_state(client, owner, assistant, draft):
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version, "text": draft.text}, **HTMX)
    client.logout()
    response = login(client, assistant).post(f"/inbox/drafts/{draft.id}/reject/", {"version": draft.version}, **HTMX)
    body = response.content.decode()
    assert "already approved" in body
    draft.refresh_from_db()
    assert draft.status == "approved"
    assert Publication.objects.count() == 1


def test_a_double_click_makes_one_decision(client, owner, draft):
    login(client, owner)
    for _ in range(2):
        client.post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version, "text": draft.text}, **HTMX)
    assert Decision.objects.count() == 1
    assert Publication.objects.count() == 1


def test_viewers_cannot_decide(client, viewer, draft):
    response = login(client, viewer).post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version}, **HTMX)
    assert response.status_code == 403
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_another_creators_draft_is_404(client, outsider, draft):
    response = login(client, outsider).post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version}, **HTMX)
    assert response.status_code == 404
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_decisions_require_csrf(owner, draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login(client, owner)
    response = client.post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version}, **HTMX)
    assert response.status_code == 403
    assert Draft.objects.get(id=draft.id).status == "pending"


def test_undo_inside_the_window_puts_the_draft_back(client, owner, draft):
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"version": draft.version, "text": draft.text}, **HTMX)
    response = client.post(f"/inbox/drafts/{draft.id}/undo/", **HTMX)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "pending"
    assert Publication.objects.get(draft=draft).status == "cancelled"


def test_the_failed_tab_shows_dead_publications_with_a_retry_button(client, owner, draft):
    from replyqueue.inbox.actions import Actor, draft_approve

    publication = draft_approve(draft=draft, actor=Actor(role="owner", user=owner))
    Publication.objects.filter(id=publication.id).update(status="dead", last_error="HTTP 401: bad token")
    body = login(client, owner).get("/inbox/?tab=failed").content.decode()
    assert "HTTP 401: bad token" in body
    assert f"/inbox/publications/{publication.id}/retry/" in body


def test_the_needs_you_tab_shows_abstentions_with_their_reason(client, owner, creator):
    from replyqueue.inbox.drafting import comment_process

    comment = ingest(creator, "q", "Will you come to Tokyo next year?")
    comment_process(comment_id=comment.id)
    body = login(client, owner).get("/inbox/?tab=you").content.decode()
    assert "Will you come to Tokyo next year?" in body
    assert "Nothing the creator has said answers this comment." in body


def test_a_draft_approved_unchanged_from_the_textarea_is_not_an_edit(client, owner, draft):
    """Browsers send a textarea with CRLF line endings, often with a trailing newline or spaces."""
    Draft.objects.filter(id=draft.id).update(text="Sony A7 IV, always.\nSee you at the next stream!\n")
    submitted = "  Sony A7 IV, always.\r\nSee you at the next stream!\r\n "
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"text": submitted, "version": draft.version}, **HTMX)
    assert Decision.objects.get(draft=draft).action == "approve"
    assert Publication.objects.get(draft=draft).text.startswith("Sony A7 IV, always.\nSee you at the next stream!")


def test_a_real_edit_inside_the_text_still_counts_as_an_edit(client, owner, draft):
    login(client, owner).post(f"/inbox/drafts/{draft.id}/approve/", {"text": f"{draft.text} Cheers!", "version": draft.version}, **HTMX)
    assert Decision.objects.get(draft=draft).action == "edit_approve"


def test_the_review_tab_lists_the_queue_beside_one_open_card(client, owner, creator, camera_faq):
    drafts = [drafted(creator, f"l{i}") for i in range(3)]
    login(client, owner)
    body = client.get("/inbox/").content.decode()
    assert body.count('<li class="line') == 3
    assert f'id="line-{drafts[2].id}"' in body and f'href="?tab=review&amp;sort=priority&amp;open={drafts[0].id}"' in body
    assert body.count(" open\" id=\"draft-") == 1 and f'open" id="draft-{drafts[2].id}"' in body
    body = client.get(f"/inbox/?open={drafts[0].id}").content.decode()
    assert f'open" id="draft-{drafts[0].id}"' in body
    # Load more: the next lines, and their cards appended to the cards out of band.
    more = client.get(f"/inbox/?more=1&sort=newest&after={drafts[1].id}", **HTMX).content.decode()
    assert more.count('<li class="line') == 1 and f'id="line-{drafts[0].id}"' in more
    assert 'hx-swap-oob="beforeend:#queue-cards"' in more and f'id="draft-{drafts[0].id}"' in more
