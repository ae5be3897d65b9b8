"""Which connector carries an approved reply, and how it is labelled."""

import pytest

from accounts.services import webhook_set
from replyqueue.comments.models import Comment
from tests.factories import ingest
from tests.publishing.fake_platforms import approve, connect_channel

LABEL = "(AI-assisted reply)"


@pytest.fixture
def knowledge(camera_faq):
    return camera_faq


def youtube_channel(creator, **fields):
    defaults = {"credentials": {"access_token": "t"}}
    return connect_channel(creator, "youtube", "youtube", "http://127.0.0.1:9", "UCmia", **(defaults | fields))


def test_a_connected_platform_channel_wins(creator, owner, knowledge):
    webhook_set(creator=creator, url="http://127.0.0.1:9/hook")
    channel = youtube_channel(creator)
    publication = approve(creator, owner)
    assert (publication.connector, publication.channel_id) == ("youtube", channel.id)


def test_without_a_platform_channel_the_creators_webhook_is_used(creator, owner, knowledge):
    webhook_set(creator=creator, url="http://127.0.0.1:9/hook")
    connect_channel(creator, "instagram", "meta", "", "ig1")  # another platform: not this comment's
    publication = approve(creator, owner)
    assert (publication.connector, publication.channel) == ("webhook", None)


def test_without_a_channel_or_a_webhook_the_reply_waits_for_pull_clients(creator, owner, knowledge):
    assert approve(creator, owner).connector == "pull"


def test_a_disabled_channel_is_not_used(creator, owner, knowledge):
    youtube_channel(creator, enabled=False)
    assert approve(creator, owner).connector == "pull"


def test_a_channel_set_to_the_webhook_connector_leaves_the_reply_to_the_webhook(creator, owner, knowledge):
    webhook_set(creator=creator, url="http://127.0.0.1:9/hook")
    connect_channel(creator, "youtube", "webhook", "", "UCmia")
    assert approve(creator, owner).connector == "webhook"


def test_the_comments_own_channel_answers_it_not_another_account(creator, owner, knowledge):
    first = youtube_channel(creator)
    second = connect_channel(creator, "youtube", "youtube", "http://127.0.0.1:9", "UCsecond")
    comment = ingest(creator)
    Comment.objects.filter(id=comment.id).update(channel=second)
    publication = approve(creator, owner)
    assert publication.channel_id == second.id != first.id


def test_ingest_sets_the_channel_when_the_creator_has_one_on_that_platform(creator):
    channel = youtube_channel(creator)
    assert ingest(creator).channel_id == channel.id


def test_ingest_leaves_the_channel_empty_when_it_is_ambiguous(creator):
    youtube_channel(creator)
    connect_channel(creator, "youtube", "youtube", "", "UCsecond")
    assert ingest(creator).channel_id is None


def test_the_persona_label_is_added_by_default(creator, owner, knowledge):
    assert approve(creator, owner).text.endswith(f"\n\n{LABEL}")


def test_the_channel_label_overrides_the_persona_label(creator, owner, knowledge):
    youtube_channel(creator, disclosure_label="🤖 drafted with AI, sent by Mia")
    text = approve(creator, owner).text
    assert text.endswith("\n\n🤖 drafted with AI, sent by Mia")
    assert LABEL not in text


def test_a_channel_label_applies_even_when_a_webhook_carries_the_reply(creator, owner, knowledge):
    webhook_set(creator=creator, url="http://127.0.0.1:9/hook")
    connect_channel(creator, "youtube", "pull", "", "UCmia", disclosure_label="[AI]")
    publication = approve(creator, owner)
    assert publication.connector == "webhook"
    assert publication.text.endswith("\n\n[AI]")
