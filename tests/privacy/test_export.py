"""A creator's data, downloaded whole: what the clone knows and everything decided, never a secret."""

import json

import pytest
from django.http import HttpRequest

from accounts.models import Role
from accounts.services import webhook_set
from replyqueue.comments.models import Channel
from replyqueue.inbox.actions import Actor, draft_approve
from tests.conftest import PASSWORD
from tests.factories import drafted


@pytest.fixture
def history(creator, owner, camera_faq):
    draft = drafted(creator, "c1")
    publication = draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner), text="Sony A7 IV, always.")
    channel = Channel(creator=creator, platform="youtube", external_id="UC1", connector="youtube")
    channel.set_credentials({"refresh_token": "refresh-secret-value"})
    channel.save()
    secret = webhook_set(creator=creator, url="https://example.com/hook")
    return {"draft": draft, "publication": publication, "channel": channel, "secret": secret}


def _login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_the_api_export_holds_every_kind_of_data(api, history, camera_faq):
    response = api.get("/api/v1/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [k["id"] for k in data["knowledge"] if k["id"] == camera_faq.id] == [camera_faq.id]
    assert data["persona"]["display_name"]
    assert [d["id"] for d in data["drafts"]] == [history["draft"].id]
    assert {d["action"] for d in data["decisions"]} == {"edit_approve"}
    assert [p["text"] for p in data["publications"]] == [history["publication"].text]
    assert [c["external_id"] for c in data["channels"]] == ["UC1"]
    assert [c["text"] for c in data["comments"]] == ["What camera do you use?"]


def test_the_export_carries_no_secret(api, history):
    text = api.get("/api/v1/export/").content.decode()
    assert "refresh-secret-value" not in text
    assert history["secret"] not in text
    assert "credentials" not in text


def test_the_export_holds_only_this_creators_data(other_api, history):
    data = json.loads(other_api.get("/api/v1/export/").content)
    assert data["drafts"] == [] and data["comments"] == [] and data["channels"] == []


def test_the_settings_page_downloads_the_export(client, owner, history):
    response = _login(client, owner).get("/settings/privacy/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="replyqueue-mia-')
    assert json.loads(response.content)["creator"]["slug"] == "mia"


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_download_the_export(client, history, role, request):
    response = _login(client, request.getfixturevalue(role)).get("/settings/privacy/export/")
    assert response.status_code == 403
