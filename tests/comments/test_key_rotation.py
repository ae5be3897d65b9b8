"""Rotating the field-encryption key and SECRET_KEY without losing stored channel credentials."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from replyqueue.comments.models import Channel

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _channel(creator) -> Channel:
    channel = Channel(creator=creator, platform="youtube", external_id="UC1", connector="youtube")
    channel.set_credentials({"refresh_token": "r-1"})
    channel.save()
    return channel


def test_a_new_key_listed_first_still_reads_credentials_stored_with_the_old_one(creator, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    channel = _channel(creator)
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    assert Channel.objects.get(id=channel.id).credentials == {"refresh_token": "r-1"}


def test_reencrypting_lets_the_old_key_be_dropped(creator, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    channel = _channel(creator)
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    call_command("reencrypt_credentials")
    settings.FIELD_ENCRYPTION_KEY = NEW
    assert Channel.objects.get(id=channel.id).credentials == {"refresh_token": "r-1"}


def test_without_reencrypting_dropping_the_old_key_makes_credentials_unreadable(creator, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    channel = _channel(creator)
    settings.FIELD_ENCRYPTION_KEY = NEW
    with pytest.raises(ValueError):
        Channel.objects.get(id=channel.id).credentials  # noqa: B018


def test_a_rotated_secret_key_in_the_fallbacks_keeps_derived_credentials_readable(creator, settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.SECRET_KEY = "old-secret-key-" + "x" * 40
    channel = _channel(creator)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "new-secret-key-" + "y" * 40
    assert Channel.objects.get(id=channel.id).credentials == {"refresh_token": "r-1"}
    call_command("reencrypt_credentials")
    settings.SECRET_KEY_FALLBACKS = []
    assert Channel.objects.get(id=channel.id).credentials == {"refresh_token": "r-1"}
