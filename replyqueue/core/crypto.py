"""Encryption at rest for connector credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from FIELD_ENCRYPTION_KEY (a Fernet key), or is derived from SECRET_KEY so the
embedded default needs no extra setting. Rotating SECRET_KEY without setting
FIELD_ENCRYPTION_KEY makes stored credentials unreadable: production sets its own key.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", "")
    if not key:
        digest = hashlib.sha256(f"replyqueue-fields:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt_json(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError("Stored credentials cannot be decrypted: was FIELD_ENCRYPTION_KEY changed?") from None
