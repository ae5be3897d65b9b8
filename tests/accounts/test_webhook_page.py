import re

import pytest

from accounts.models import Creator
from accounts.services import webhook_set
from tests.pages import login

SECRET = re.compile(r'<code id="new-secret">(whsec_[A-Za-z0-9+/=]+)</code>')


def save(client, url="https://hooks.example.com/replies"):
    return client.post("/settings/webhook/", {"url": url})


def test_the_secret_is_revealed_right_after_it_is_created(client, owner, creator):
    response = save(login(client, owner))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    creator.refresh_from_db()
    assert SECRET.search(response.content.decode()).group(1) == creator.webhook_secret
    assert creator.webhook_url == "https://hooks.example.com/replies"


def test_the_secret_is_never_shown_again(client, owner, creator):
    save(login(client, owner))
    creator.refresh_from_db()
    body = client.get("/settings/webhook/").content.decode()
    assert creator.webhook_secret not in body
    assert "set" in body


def test_changing_the_url_keeps_the_secret_and_does_not_reveal_it(client, owner, creator):
    secret = webhook_set(creator=creator, url="https://old.example.com/")
    response = save(login(client, owner), "http://new.example.com/hook")
    assert response.status_code == 302
    creator.refresh_from_db()
    assert (creator.webhook_url, creator.webhook_secret) == ("http://new.example.com/hook", secret)
    assert secret not in client.get("/settings/webhook/").content.decode()


def test_the_page_says_there_is_no_secret_yet(client, owner):
    assert "none yet" in login(client, owner).get("/settings/webhook/").content.decode()


@pytest.mark.parametrize("url", ["ftp://files.example.com/", "javascript:alert(1)", "not a url", "file:///etc/passwd"])
def test_only_http_and_https_urls_are_accepted(client, owner, creator, url):
    response = save(login(client, owner), url)
    assert response.status_code == 400
    creator.refresh_from_db()
    assert (creator.webhook_url, creator.webhook_secret) == ("", "")


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_see_or_set_the_webhook(client, request, role, creator):
    login(client, request.getfixturevalue(role))
    assert client.get("/settings/webhook/").status_code == 403
    assert save(client).status_code == 403
    assert Creator.objects.get(id=creator.id).webhook_url == ""


def test_an_outsider_sets_only_their_own_webhook(client, outsider, creator, other_creator):
    save(login(client, outsider))
    creator.refresh_from_db()
    other_creator.refresh_from_db()
    assert creator.webhook_url == ""
    assert other_creator.webhook_url == "https://hooks.example.com/replies"
