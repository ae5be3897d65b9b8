from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken, Creator, Membership, hash_token


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_creator_makes_the_workspace_and_its_owner(db):
    run("create_creator", "mia", "--owner", "Mia@Example.com", "--password", "pw-123456")
    membership = Membership.objects.get(creator__slug="mia")
    assert (membership.user.email, membership.role) == ("mia@example.com", "owner")
    assert membership.user.check_password("pw-123456")


def test_create_creator_is_safe_to_run_again(db):
    run("create_creator", "mia", "--owner", "mia@example.com")
    run("create_creator", "mia", "--owner", "mia@example.com")
    assert Creator.objects.count() == 1
    assert Membership.objects.count() == 1


def test_create_creator_refuses_a_bad_slug(db):
    with pytest.raises(CommandError):
        run("create_creator", "Not A Slug", "--owner", "a@example.com")


def test_create_api_token_prints_a_working_token_last_and_stores_only_its_hash(creator):
    token = run("create_api_token", creator.slug)[-1]
    stored = ApiToken.objects.get(creator=creator)
    assert stored.key_hash == hash_token(token)
    assert token not in stored.key_hash
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/drafts/").status_code == 200


def test_create_api_token_refuses_an_unknown_creator(db):
    with pytest.raises(CommandError):
        run("create_api_token", "nobody")


def test_set_webhook_prints_the_signing_secret_last(creator):
    secret = run("set_webhook", creator.slug, "https://example.com/hook")[-1]
    creator.refresh_from_db()
    assert secret.startswith("whsec_")
    assert (creator.webhook_url, creator.webhook_secret) == ("https://example.com/hook", secret)


def test_set_webhook_refuses_a_non_http_url(creator):
    with pytest.raises(CommandError):
        run("set_webhook", creator.slug, "ftp://example.com")


def test_create_creator_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="too common"):
        run("create_creator", "mia", "--owner", "mia@example.com", "--password", "password123")
    assert not Creator.objects.exists()
