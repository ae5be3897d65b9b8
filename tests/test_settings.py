"""Security settings read from the environment, and the headers every page carries."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages import login

ROOT = Path(__file__).resolve().parents[1]


def settings_under(**env: str) -> dict:
    """The values settings.py computes for an environment (a fresh process, as production starts)."""
    names = [
        "DEBUG", "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL",
        "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
    ]
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    base = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "settings-test", "DJANGO_SETTINGS_MODULE": "replyqueue.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_mail_goes_to_the_console_only_in_debug():
    assert settings_under(DEBUG="1")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    # In production an invitation link must never land in the logs: mail goes out over SMTP.
    production = settings_under(DEBUG="0", EMAIL_HOST="smtp.example.com", EMAIL_PORT="587", EMAIL_USE_TLS="1")
    assert production["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (production["EMAIL_HOST"], production["EMAIL_PORT"], production["EMAIL_USE_TLS"]) == ("smtp.example.com", 587, True)


def test_https_settings_are_off_for_the_loopback_run_and_set_by_the_environment():
    local = settings_under(DEBUG="1")
    assert (local["SECURE_SSL_REDIRECT"], local["SECURE_HSTS_SECONDS"], local["SECURE_PROXY_SSL_HEADER"]) == (False, 0, None)
    production = settings_under(
        SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="31536000", SECURE_PROXY_SSL_HEADER="1", SITE_URL="https://rq.example"
    )
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SESSION_COOKIE_SECURE"] is True


def test_a_bad_boolean_fails_loudly():
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_under(SECURE_SSL_REDIRECT="maybe")
    assert "SECURE_SSL_REDIRECT must be a boolean" in failure.value.stderr


def test_pages_carry_a_content_security_policy_without_inline_code(client, owner):
    response = login(client, owner).get("/inbox/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_hsts_header_is_sent_over_https_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=3600"


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "an inline <style>"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "an inline event handler"),
    (re.compile(r"""hx-(?:vals|vars)=['"]\s*(?:js|javascript):""", re.I), "htmx code evaluated from an attribute"),
    (re.compile(r"\bhx-on", re.I), "htmx code evaluated from an attribute"),
]


def test_templates_hold_no_code_the_policy_would_block():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE_CODE:
            if pattern.search(text):
                found.append(f"{template.relative_to(ROOT)}: {what}")
    assert found == []


def test_the_api_docs_page_runs_no_inline_script(client, db):
    body = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
