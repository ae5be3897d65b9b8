"""Encryption at rest for connector credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from FIELD_ENCRYPTION_KEY (a Fernet key), or is derived from SECRET_KEY so the
embedded default needs no extra setting. Rotation: FIELD_ENCRYPTION_KEY may list several keys,
comma-separated, the new one first; every key decrypts, the first encrypts (MultiFernet). Keys
derived from SECRET_KEY_FALLBACKS decrypt too, so rotating SECRET_KEY keeps credentials readable.
`manage.py reencrypt_credentials` then rewrites every stored credential with the first key, after
which the old keys can be dropped (docs/operations.md).
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(secret_key: str) -> str:
    digest = hashlib.sha256(f"replyqueue-fields:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEY", "").split(",") if k.strip()]
    if not keys:
        keys = [_derived(settings.SECRET_KEY)] + [_derived(k) for k in getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(k) for k in keys])


def reencrypt(token: str) -> str:
    """The same value encrypted with the first key (what a key rotation does to stored rows)."""
    return _fernet().rotate(token.encode()).decode() if token else token


def encrypt_json(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError("Stored credentials cannot be decrypted: was FIELD_ENCRYPTION_KEY changed?") from None
