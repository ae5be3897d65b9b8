"""Rotating the Standard Webhooks signing secret with a grace period."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from replyqueue.integrations.webhook.connector import signed_request
from replyqueue.integrations.webhook.secrets import signing_secrets, webhook_secret_rotate
from replyqueue.publishing.models import RetiredWebhookSecret
from tests.conftest import webhook_receiver_for
from tests.publishing.fake_platforms import approve, send_now


@pytest.fixture
def receiver(creator, camera_faq):
    """A receiver still configured with the secret from before the rotation."""
    with webhook_receiver_for(creator) as state:
        yield state


def test_rotation_gives_a_new_secret_and_keeps_the_old_one_for_the_grace_period(creator, receiver):
    old = creator.webhook_secret
    new = webhook_secret_rotate(creator=creator, grace=timedelta(hours=2))
    creator.refresh_from_db()
    assert new.startswith("whsec_") and new != old
    assert creator.webhook_secret == new
    assert signing_secrets(creator) == [new, old]
    retired = RetiredWebhookSecret.objects.get(creator=creator)
    assert retired.expires_at - retired.retired_at == timedelta(hours=2)


def test_a_receiver_on_the_old_secret_still_verifies_during_the_grace_period(creator, owner, receiver):
    webhook_secret_rotate(creator=creator)
    publication = send_now(approve(creator, owner))
    assert publication.status == "sent"
    assert receiver.rejected == 0
    assert receiver.unique_deliveries == 1


def test_a_receiver_on_the_new_secret_verifies_during_the_grace_period(creator, owner, receiver):
    receiver.secret = webhook_secret_rotate(creator=creator)
    publication = send_now(approve(creator, owner))
    assert publication.status == "sent"
    assert receiver.rejected == 0


def test_deliveries_carry_one_v1_signature_per_live_secret(creator, owner, receiver):
    webhook_secret_rotate(creator=creator)
    webhook_secret_rotate(creator=creator)
    publication = approve(creator, owner)
    _, headers = signed_request(publication)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 3
    assert all(signature.startswith("v1,") for signature in signatures)


def test_after_the_grace_period_only_the_new_secret_signs(creator, owner, receiver):
    webhook_secret_rotate(creator=creator)
    RetiredWebhookSecret.objects.filter(creator=creator).update(expires_at=timezone.now() - timedelta(seconds=1))
    publication = send_now(approve(creator, owner))
    # The receiver never switched: its 401 is retried on the schedule (it may fix its config).
    assert (publication.status, publication.last_error) == ("failed", "HTTP 401")
    assert receiver.rejected == 1
    assert signing_secrets(creator) == [creator.webhook_secret]


def test_a_rotation_without_grace_stops_the_old_secret_at_once(creator, receiver):
    new = webhook_secret_rotate(creator=creator, grace=timedelta(0))
    assert signing_secrets(creator) == [new]


def test_rotating_forgets_secrets_whose_grace_has_ended(creator, receiver):
    webhook_secret_rotate(creator=creator)
    RetiredWebhookSecret.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    webhook_secret_rotate(creator=creator)
    assert RetiredWebhookSecret.objects.filter(creator=creator).count() == 1


def test_the_rotate_command_prints_the_new_secret_last(creator, receiver, capsys):
    call_command("rotate_webhook_secret", creator.slug, "--grace-hours", "1")
    creator.refresh_from_db()
    assert capsys.readouterr().out.strip().splitlines()[-1] == creator.webhook_secret


def test_the_api_rotates_the_secret_and_says_until_when_the_old_one_signs(api, creator, receiver):
    response = api.post("/api/v1/webhook/rotate-secret/", {"grace_hours": 6}, format="json")
    creator.refresh_from_db()
    body = response.json()
    assert response.status_code == 200
    assert body["secret"] == creator.webhook_secret
    assert body["previous_secrets_valid_until"] is not None


def test_the_api_refuses_a_rotation_without_a_webhook(api, creator):
    response = api.post("/api/v1/webhook/rotate-secret/", {"grace_hours": 6}, format="json")
    assert response.status_code == 409
    assert "No webhook" in response.json()["error"]


def test_the_api_rotation_requires_a_token(client, creator, receiver):
    assert client.post("/api/v1/webhook/rotate-secret/").status_code in (401, 403)


@pytest.mark.parametrize("body", ["[]", "{}", "null", '"rotate"', '{"grace": 6}'])
def test_the_api_rotates_only_when_asked_explicitly(api, creator, receiver, body):
    secret = creator.webhook_secret
    response = api.post("/api/v1/webhook/rotate-secret/", body, content_type="application/json")
    assert response.status_code == 400
    assert "grace_hours" in response.json()["error"]
    creator.refresh_from_db()
    assert creator.webhook_secret == secret
    assert not RetiredWebhookSecret.objects.exists()


def test_a_rotation_with_zero_grace_is_explicit_enough(api, creator, receiver):
    response = api.post("/api/v1/webhook/rotate-secret/", {"grace_hours": 0}, format="json")
    assert response.status_code == 200
