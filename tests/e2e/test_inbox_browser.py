"""The inbox as a person uses it, in a real browser."""

import pytest

from replyqueue.comments.models import Comment
from replyqueue.inbox.drafting import comment_process
from replyqueue.inbox.models import Draft
from replyqueue.publishing.models import Publication
from tests.conftest import PASSWORD, webhook_receiver_for
from tests.e2e.browser import log_in
from tests.factories import drafted, ingest

pytestmark = pytest.mark.browser


@pytest.fixture
def two_drafts(transactional_db, creator, camera_faq):
    creator.undo_delay_seconds = 30
    creator.save()
    return [drafted(creator, "c1"), drafted(creator, "c2", "what camera is that?")]


def test_keyboard_approve_moves_to_the_next_card(live_server, new_page, owner, two_drafts):
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    first = two_drafts[1]  # newest first
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("a")
    page.locator(f"#draft-{first.id}.decided").wait_for()
    assert page.url == f"{live_server.url}/inbox/"  # no full page load
    assert Draft.objects.get(id=first.id).status == "approved"
    focused = page.evaluate("document.activeElement.id")
    assert focused == f"draft-{two_drafts[0].id}"


def test_edit_then_ctrl_enter_approves_the_edited_text(live_server, new_page, owner, two_drafts):
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    draft = two_drafts[1]
    page.keyboard.press("e")
    page.keyboard.press("Control+a")
    page.keyboard.type("Sony A7 IV, always. — Mia")
    page.keyboard.press("Control+Enter")
    page.locator(f"#draft-{draft.id}.decided").wait_for()
    assert Publication.objects.get(draft_id=draft.id).text.startswith("Sony A7 IV, always. — Mia")


def test_reject_with_a_reason_then_undo_an_approval(live_server, new_page, owner, two_drafts):
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    newest, oldest = two_drafts[1], two_drafts[0]
    card = page.locator(f"#draft-{newest.id}")
    card.locator("input[name=reason]").fill("wrong tone")
    card.locator("[data-action=reject]").click()
    page.locator(f"#draft-{newest.id}.status-rejected").wait_for()
    page.locator(f"#draft-{oldest.id} [data-action=approve]").click()
    page.locator(f"#draft-{oldest.id} [data-action=undo]").click()
    page.locator(f"#draft-{oldest.id} textarea").wait_for()
    assert Draft.objects.get(id=newest.id).status == "rejected"
    assert Draft.objects.get(id=oldest.id).status == "pending"
    assert Publication.objects.get(draft_id=oldest.id).status == "cancelled"


def test_two_reviewers_on_one_draft_one_decision_wins(live_server, new_page, owner, assistant, two_drafts):
    draft = two_drafts[1]
    alice, bob = new_page(), new_page()
    log_in(alice, live_server.url, owner.email, PASSWORD)
    log_in(bob, live_server.url, assistant.email, PASSWORD)
    alice.locator(f"#draft-{draft.id} [data-action=approve]").click()
    alice.locator(f"#draft-{draft.id}.decided").wait_for()
    bob.locator(f"#draft-{draft.id} input[name=reason]").fill("no")
    bob.locator(f"#draft-{draft.id} [data-action=reject]").click()
    bob.get_by_text("already approved").wait_for()
    assert Draft.objects.get(id=draft.id).status == "approved"
    assert Publication.objects.filter(draft_id=draft.id).count() == 1


def test_script_payloads_in_comments_render_as_inert_text(live_server, new_page, owner, creator, camera_faq, transactional_db):
    payloads = [
        "<script>alert('xss')</script> what camera do you use?",
        '<img src=x onerror="alert(1)"> what camera do you use?',
        "<svg/onload=alert(2)> what camera do you use?",
    ]
    for index, text in enumerate(payloads):
        ingest(creator, f"x{index}", text, author={"external_id": f"f{index}", "name": '"><script>alert(3)</script>'})
    for comment in Comment.objects.all():
        comment_process(comment_id=comment.id)
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    shown = dict.fromkeys(payloads, 0)
    for tab in ("review", "you"):
        page.goto(f"{live_server.url}/inbox/?tab={tab}")
        for text in payloads:
            shown[text] += page.locator(".fan-comment").get_by_text(text, exact=True).count()
        assert page.locator("main script, main img, main svg").count() == 0
    assert shown == dict.fromkeys(payloads, 1)
    assert page.dialogs == []


@pytest.fixture
def delivered(transactional_db, creator):
    """The creator's webhook points at a loopback receiver; no undo delay."""
    with webhook_receiver_for(creator) as state:
        yield state


def test_from_login_to_a_sent_reply_by_keyboard(live_server, new_page, owner, creator, camera_faq, delivered):
    draft = drafted(creator, "k1")
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("j")
    page.keyboard.press("e")
    page.keyboard.type(" See you soon!")
    page.keyboard.press("Control+Enter")
    page.locator(f"#draft-{draft.id}.decided").wait_for()
    publication = Publication.objects.get(draft_id=draft.id)
    assert publication.status == "sent"
    [payload] = delivered.payloads.values()
    assert payload["data"]["reply"]["text"].startswith(draft.text + " See you soon!")


def test_bulk_approve_the_selected_cards_by_keyboard(live_server, new_page, owner, creator, camera_faq):
    drafts = [drafted(creator, f"b{i}") for i in range(3)]
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("Shift+A")
    page.get_by_text("2 approved.").wait_for()
    assert Draft.objects.filter(status="approved").count() == 2
    assert Draft.objects.filter(id=drafts[0].id, status="pending").exists()  # the oldest was not selected


def test_help_and_search_shortcuts(live_server, new_page, owner, creator, camera_faq):
    drafted(creator, "s1", "What camera do you use for Iceland?")
    drafted(creator, "s2")
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    page.keyboard.type("iceland")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=iceland**")
    page.wait_for_function("document.querySelectorAll('#tab-body .card').length === 1")


def test_the_inbox_runs_under_its_content_security_policy(live_server, new_page, owner, creator, two_drafts):
    """No inline code and no eval: filtering and saving a view work, the YouTube quota line is on
    the Review tab and the live poll brings it up to date, and nothing is blocked."""
    from replyqueue.inbox.models import SavedView
    from tests.inbox.test_quota_line import spent, youtube_channel

    youtube_channel(creator, "mia-project")
    spent("mia-project", 1200)
    page = new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(page, live_server.url, owner.email, PASSWORD)
    quota = page.locator("#youtube-quota")
    assert "8800 units" in quota.inner_text()
    page.select_option("select[name=platform]", "youtube")
    page.wait_for_url("**/inbox/?*platform=youtube*")
    assert "8800 units" in quota.inner_text()  # still there after htmx swapped the tab body
    page.fill("#save-view input[name=name]", "YouTube only")
    page.press("#save-view input[name=name]", "Enter")
    page.locator(".saved-views a", has_text="YouTube only").wait_for()
    assert "platform=youtube" in SavedView.objects.get(name="YouTube only").query
    spent("mia-project", 9950)  # replies went out: the live poll (every 10 s) swaps the line out of band
    page.locator("#youtube-quota", has_text="50 units").wait_for(timeout=25_000)
    assert page.locator("#youtube-quota").count() == 1
    assert violations == []


@pytest.fixture
def three_drafts_one_stale(transactional_db, creator, camera_faq):
    """Three drafts, newest first on the page; the middle one's fan wrote again since."""
    creator.undo_delay_seconds = 30
    creator.save()
    oldest = drafted(creator, "t1")
    stale = drafted(creator, "t2", "which camera is it?")
    newest = drafted(creator, "t3", "what camera is that?")
    ingest(creator, "t2-again", "hello? anyone?", author={"external_id": "fan-t2", "name": "Sam Carter"})
    return newest, stale, oldest


def test_the_first_j_selects_the_first_card(live_server, new_page, owner, two_drafts):
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    newest = two_drafts[1]
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"draft-{newest.id}"
    page.keyboard.press("a")
    page.locator(f"#draft-{newest.id}.decided").wait_for()
    assert Draft.objects.get(id=newest.id).status == "approved"
    assert Draft.objects.get(id=two_drafts[0].id).status == "pending"


def test_one_keystroke_per_decision_and_the_action_follows_a_swapped_card(
    live_server, new_page, owner, three_drafts_one_stale
):
    newest, stale, oldest = three_drafts_one_stale
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("a")  # the card in view: the newest
    page.locator(f"#draft-{newest.id}.decided").wait_for()
    assert page.evaluate("document.activeElement.id") == f"draft-{stale.id}"
    page.keyboard.press("a")  # the fan wrote again: the card asks to confirm and keeps the focus
    page.locator(f"#draft-{stale.id} .warning").wait_for()
    page.locator(f"#draft-{stale.id} input[name=confirm]").wait_for(state="attached")
    assert page.evaluate("document.activeElement.id") == f"draft-{stale.id}"
    page.keyboard.press("a")  # approve anyway: this card, not the one at the top of the list
    page.locator(f"#draft-{stale.id}.decided").wait_for()
    assert page.evaluate("document.activeElement.id") == f"draft-{oldest.id}"
    page.keyboard.press("a")
    page.locator(f"#draft-{oldest.id}.decided").wait_for()
    assert {d.id: d.status for d in Draft.objects.all()} == {newest.id: "approved", stale.id: "approved", oldest.id: "approved"}
    assert Publication.objects.count() == 3


def test_the_triage_layout_on_a_phone(live_server, new_page, owner, creator, camera_faq, transactional_db):
    """390 px wide: the compact list above one open card; a decision opens the next card by
    itself; a line opens its card; each line is a plain link too."""
    creator.undo_delay_seconds = 30
    creator.save()
    drafts = [drafted(creator, f"p{i}", "what camera do you use?") for i in range(3)]
    newest, middle, oldest = drafts[2], drafts[1], drafts[0]
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, owner.email, PASSWORD)
    assert page.locator("#queue-lines .line").count() == 3
    visible = [d.id for d in drafts if page.locator(f"#draft-{d.id}").is_visible()]
    assert visible == [newest.id]  # one open card
    line_box = page.locator("#queue-lines").bounding_box()
    card_box = page.locator(f"#draft-{newest.id}").bounding_box()
    assert line_box["y"] + line_box["height"] <= card_box["y"]  # the list above the card
    assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    line = page.locator(f"#line-{oldest.id} a")
    assert f"open={oldest.id}" in line.get_attribute("href")
    page.keyboard.press("a")
    page.locator(f"#draft-{newest.id}.decided").wait_for()
    page.locator(f"#draft-{middle.id}.open").wait_for()  # the next card opened by itself
    assert not page.locator(f"#draft-{oldest.id}").is_visible()
    line.click()
    page.locator(f"#draft-{oldest.id}.open").wait_for()
    assert not page.locator(f"#draft-{middle.id}").is_visible()
    page.keyboard.press("a")
    page.locator(f"#draft-{oldest.id}.decided").wait_for()
    assert Draft.objects.get(id=oldest.id).status == "approved"
    assert Draft.objects.get(id=middle.id).status == "pending"


def test_a_line_opens_its_card_without_javascript(live_server, browser, owner, creator, camera_faq, transactional_db):
    drafts = [drafted(creator, f"n{i}") for i in range(2)]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, live_server.url, owner.email, PASSWORD)
        assert page.locator(f"#draft-{drafts[1].id}").is_visible()
        assert not page.locator(f"#draft-{drafts[0].id}").is_visible()
        page.locator(f"#line-{drafts[0].id} a").click()
        page.wait_for_url(f"**open={drafts[0].id}**")
        assert page.locator(f"#draft-{drafts[0].id}").is_visible()
        assert not page.locator(f"#draft-{drafts[1].id}").is_visible()
    finally:
        context.close()


def test_a_snippet_goes_into_the_reply_by_keyboard(live_server, new_page, owner, creator, camera_faq, transactional_db):
    from replyqueue.inbox.models import Snippet

    Snippet.objects.create(creator=creator, name="merch", text="Hi {fan_name}, the shop: {link}")
    Snippet.objects.create(creator=creator, name="thanks", text="Thank you {fan_name}!")
    creator.undo_delay_seconds = 30
    creator.save()
    draft = drafted(creator, "sn1", post={"external_id": "p1", "title": "Iceland", "url": "https://youtu.be/p1"})
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("e")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.press(";")  # a plain ; while typing stays a ;
    page.keyboard.press(";")  # ;; opens the picker
    assert page.locator("#snippet-picker").is_visible()
    page.keyboard.type("shop")
    page.keyboard.press("Enter")
    area = page.locator(f"#text-{draft.id}")
    assert area.input_value() == "Hi Sam Carter, the shop: https://youtu.be/p1"
    assert page.evaluate("document.activeElement.id") == f"text-{draft.id}"
    page.keyboard.press("Escape")
    page.keyboard.press(";")  # on the card: the picker again, inserting at the end
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert area.input_value() == "Hi Sam Carter, the shop: https://youtu.be/p1Thank you Sam Carter!"
    page.keyboard.press("Control+Enter")
    page.locator(f"#draft-{draft.id}.decided").wait_for()
    assert Publication.objects.get(draft_id=draft.id).text.startswith("Hi Sam Carter, the shop: https://youtu.be/p1")


def test_a_sent_brief_empties_its_form_and_shows_in_the_list(live_server, new_page, owner, creator, transactional_db):
    from replyqueue.clone.models import ContentBrief

    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.locator("details.new-brief summary").click()
    page.locator("#brief-form textarea[name=brief]").fill("Ten days in Lisbon, golden hour every night")
    page.locator("#brief-form button").click()
    page.locator("#briefs .brief-row").wait_for()
    assert page.locator("#brief-form textarea[name=brief]").input_value() == ""
    assert ContentBrief.objects.filter(creator=creator).count() == 1


def test_s_marks_spam_and_the_comments_that_read_like_it_leave_the_queue(live_server, new_page, owner, creator, camera_faq,
                                                                          transactional_db):
    legit = drafted(creator, "m1", "Which lens do you take for portraits of your dog?")
    copy = drafted(creator, "m2", "what camera do u use?? 🔥🔥 follow me pls")
    spam = drafted(creator, "m3", "What camera do you use? 🔥🔥 follow me")  # newest: the card in view
    page = new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.keyboard.press("s")
    offer = page.locator(f"#draft-{spam.id} form.similar")
    offer.wait_for()
    assert offer.locator(f"input[value='{copy.comment_id}']").is_checked()
    assert offer.locator(f"input[value='{legit.comment_id}']").count() == 0
    offer.locator("[data-action=mark-similar]").click()
    page.get_by_text("1 more comment marked spam.").wait_for()
    page.locator(f"#line-{copy.id}").wait_for(state="detached")
    assert set(Comment.objects.filter(id__in=[spam.comment_id, copy.comment_id]).values_list("status", flat=True)) == {"no_reply"}
    assert Draft.objects.get(id=legit.id).status == "pending"
