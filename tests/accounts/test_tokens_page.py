import re

import pytest
from django.utils.formats import date_format
from rest_framework.test import APIClient

from accounts.models import ApiToken, hash_token
from tests.pages import HTMX, login

RAW_TOKEN = re.compile(r'<code id="new-token">(rq_[\w-]+)</code>')


def create(client, name="Zapier"):
    return client.post("/settings/tokens/", {"name": name})


def api_status(raw: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/knowledge/").status_code


def test_a_new_token_is_shown_once_and_works(client, owner, creator):
    response = create(login(client, owner))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = RAW_TOKEN.search(response.content.decode()).group(1)
    assert api_status(raw) == 200
    assert raw not in client.get("/settings/tokens/").content.decode()


def test_only_the_tokens_hash_is_stored(client, owner, creator):
    raw = RAW_TOKEN.search(create(login(client, owner)).content.decode()).group(1)
    token = ApiToken.objects.get(creator=creator, name="Zapier")
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.hint, token.name}


def test_the_list_shows_name_hint_and_last_use(client, owner, creator):
    token, raw = ApiToken.issue(creator=creator, name="importer")
    api_status(raw)
    body = login(client, owner).get("/settings/tokens/").content.decode()
    assert "importer" in body and f"{token.hint}…" in body
    token.refresh_from_db()
    assert date_format(token.last_used_at, "SHORT_DATETIME_FORMAT") in body  # the locale's format


def test_a_token_needs_a_name(client, owner, creator):
    assert create(login(client, owner), "").status_code == 400
    assert not ApiToken.objects.filter(creator=creator).exists()


def test_revoking_a_token_stops_it_working(client, owner, creator):
    token, raw = ApiToken.issue(creator=creator, name="old")
    response = login(client, owner).post(f"/settings/tokens/{token.id}/revoke/")
    assert response.status_code == 302
    assert api_status(raw) == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_with_htmx_answers_the_updated_row(client, owner, creator):
    token, _ = ApiToken.issue(creator=creator, name="old")
    response = login(client, owner).post(f"/settings/tokens/{token.id}/revoke/", **HTMX)
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="token-{token.id}" class="revoked">')
    assert "Revoke</button>" not in body


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_only_owners_see_create_or_revoke_tokens(client, request, role, creator):
    token, raw = ApiToken.issue(creator=creator, name="keep")
    login(client, request.getfixturevalue(role))
    assert client.get("/settings/tokens/").status_code == 403
    assert create(client).status_code == 403
    assert client.post(f"/settings/tokens/{token.id}/revoke/").status_code == 403
    assert api_status(raw) == 200
    assert ApiToken.objects.filter(creator=creator).count() == 1


def test_another_creators_token_is_404(client, outsider, creator):
    token, raw = ApiToken.issue(creator=creator, name="mine")
    assert login(client, outsider).post(f"/settings/tokens/{token.id}/revoke/").status_code == 404
    assert api_status(raw) == 200


def test_an_outsider_never_sees_another_creators_tokens(client, outsider, creator):
    ApiToken.issue(creator=creator, name="mias-secret-integration")
    assert "mias-secret-integration" not in login(client, outsider).get("/settings/tokens/").content.decode()


def test_token_names_render_escaped(client, owner, creator):
    ApiToken.issue(creator=creator, name="<script>alert(1)</script>")
    body = login(client, owner).get("/settings/tokens/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
