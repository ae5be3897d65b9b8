"""Snippets: saved replies with variables, managed in settings, offered in the inbox."""

from replyqueue.inbox.models import Snippet
from tests.factories import drafted
from tests.pages import HTMX, login


def test_a_snippet_fills_in_its_variables(creator):
    snippet = Snippet.objects.create(creator=creator, name="merch", text="Hi {fan_name}! Merch: {link} — {creator} {unknown}")
    text = snippet.render(fan_name="Sam", link="https://shop.example/m", creator="Mia")
    assert text == "Hi Sam! Merch: https://shop.example/m — Mia {unknown}"


def test_owners_manage_snippets_in_settings(client, owner, creator):
    login(client, owner)
    response = client.post("/settings/snippets/", {"name": "merch", "text": "Hi {fan_name}, merch is at {link}"})
    assert response.status_code == 302
    snippet = Snippet.objects.get(creator=creator)
    assert "Hi {fan_name}, merch is at {link}" in client.get("/settings/snippets/").content.decode()
    again = client.post("/settings/snippets/", {"name": "Merch", "text": "dup"})
    assert again.status_code == 400 and "already have a snippet" in again.content.decode()
    assert "/settings/snippets/" in client.get("/settings/").content.decode()
    client.post(f"/settings/snippets/{snippet.id}/delete/")
    assert not Snippet.objects.exists()


def test_only_owners_change_snippets_and_never_another_creators(client, assistant, outsider, creator):
    snippet = Snippet.objects.create(creator=creator, name="merch", text="x")
    assert login(client, assistant).post("/settings/snippets/", {"name": "a", "text": "b"}).status_code == 403
    assert client.get("/settings/snippets/").status_code == 200
    client.logout()
    assert login(client, outsider).post(f"/settings/snippets/{snippet.id}/delete/").status_code == 404
    assert Snippet.objects.filter(id=snippet.id).exists()


def test_the_inbox_offers_the_snippets_with_the_fans_values(client, owner, creator, camera_faq):
    Snippet.objects.create(creator=creator, name="thanks", text="Thanks {fan_name}!")
    draft = drafted(creator, post={"external_id": "p1", "title": "Iceland", "url": "https://youtu.be/p1"})
    body = login(client, owner).get("/inbox/").content.decode()
    assert 'id="snippet-picker"' in body and 'data-text="Thanks {fan_name}!"' in body
    assert f'id="draft-{draft.id}"' in body and 'data-fan-name="Sam Carter" data-link="https://youtu.be/p1"' in body
    assert 'id="snippet-picker"' not in client.get("/inbox/?tab=you").content.decode()
    assert client.get("/inbox/", **HTMX).status_code == 200
