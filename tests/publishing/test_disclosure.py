"""Every delivered reply says whether it is AI-assisted, with the label in the reply's language."""

import pytest

from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, comment_answer, draft_approve
from replyqueue.inbox.models import Draft
from tests.conftest import webhook_receiver_for
from tests.factories import drafted, ingest
from tests.publishing.fake_platforms import connect_channel, send_now


@pytest.fixture
def receiver(creator, camera_faq):
    with webhook_receiver_for(creator) as state:
        yield state


def deliver(receiver, publication) -> dict:
    send_now(publication)
    assert publication.status == "sent"
    return receiver.payloads[publication.idempotency_key]["data"]


def fresh(draft) -> Draft:
    return Draft.objects.select_related("comment", "creator").get(id=draft.id)


def test_a_clone_draft_is_labelled_ai_assisted_in_english(creator, owner, receiver):
    data = deliver(receiver, draft_approve(draft=drafted(creator), actor=Actor(role="owner", user=owner)))
    assert (data["ai_assisted"], data["label"], data["language"]) == (True, "(AI-assisted reply)", "en")
    assert data["reply"]["ai_assisted"] is True
    assert data["reply"]["text"].endswith("\n\n(AI-assisted reply)")


def test_the_label_is_in_the_replys_language(creator, owner, receiver):
    draft = drafted(creator)
    Comment.objects.filter(id=draft.comment_id).update(language="fr")
    data = deliver(receiver, draft_approve(draft=fresh(draft), actor=Actor(role="owner", user=owner)))
    assert (data["ai_assisted"], data["label"], data["language"]) == (True, "(réponse assistée par IA)", "fr")
    assert data["reply"]["text"].endswith("(réponse assistée par IA)")


def test_a_light_edit_is_still_ai_assisted(creator, owner, receiver):
    draft = drafted(creator)
    text = draft.text.replace("Sony", "Sony's")
    data = deliver(receiver, draft_approve(draft=draft, actor=Actor(role="owner", user=owner), text=text))
    assert data["ai_assisted"] is True


def test_a_fully_rewritten_reply_is_not_labelled(creator, owner, receiver):
    draft = drafted(creator)
    text = "Honestly whatever I have in my bag that morning, usually my old phone!"
    data = deliver(receiver, draft_approve(draft=draft, actor=Actor(role="owner", user=owner), text=text))
    assert (data["ai_assisted"], data["label"]) == (False, "")
    assert data["reply"]["text"] == text


def test_the_creators_own_answer_is_not_labelled(creator, owner, receiver):
    comment = ingest(creator, "c9", "Will you come to Lyon this summer?")
    draft = comment_answer(comment=comment, actor=Actor(role="owner", user=owner), text="Yes, in July!")
    data = deliver(receiver, draft_approve(draft=fresh(draft), actor=Actor(role="owner", user=owner)))
    assert (data["ai_assisted"], data["label"], data["reply"]["text"]) == (False, "", "Yes, in July!")


def test_a_channel_label_overrides_the_persona_per_platform(creator, owner, receiver):
    connect_channel(creator, "youtube", "webhook", "", "UCmia", disclosure_label="[AI-drafted, creator-approved]")
    data = deliver(receiver, draft_approve(draft=drafted(creator), actor=Actor(role="owner", user=owner)))
    assert data["label"] == "[AI-drafted, creator-approved]"


def test_the_pull_api_shows_the_disclosure(creator, owner, camera_faq, api):
    publication = draft_approve(draft=drafted(creator), actor=Actor(role="owner", user=owner))
    [row] = [r for r in api.get("/api/v1/publications/").json()["results"] if r["id"] == publication.id]
    assert (row["ai_assisted"], row["label"], row["language"]) == (True, "(AI-assisted reply)", "en")
