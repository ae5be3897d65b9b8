"""The production path as docker-compose runs it: collectstatic, gunicorn with DEBUG off, a Celery
worker and beat as separate processes, on PostgreSQL and Redis, driven by a real browser."""

import subprocess
import sys

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import ApiToken
from replyqueue.comments.models import Comment
from replyqueue.inbox.models import Draft
from tests.conftest import PASSWORD, comment_payload
from tests.e2e.browser import log_in
from tests.e2e.conftest import (
    ROOT,
    free_port,
    purge_broker,
    require_real_stack,
    start_beat,
    start_gunicorn,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from tests.inbox.test_quota_line import spent, youtube_channel

pytestmark = [pytest.mark.services, pytest.mark.browser]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def production_stack(transactional_db, tmp_path):
    """collectstatic into a temporary STATIC_ROOT, then gunicorn, a worker and beat; the base URL."""
    require_real_stack()
    from django.db import connection

    db_name = connection.settings_dict["NAME"]
    static = {"STATIC_ROOT": str(tmp_path / "static")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env=worker_env(db_name, DEBUG="0", **static), check=True, timeout=120,
    )
    purge_broker()
    port = free_port()
    processes = [
        start_gunicorn(db_name, tmp_path / "web.log", port, ALLOWED_HOSTS="127.0.0.1", **static),
        start_worker(db_name, tmp_path / "worker.log"),
        start_beat(db_name, tmp_path / "beat.log", SWEEP_INTERVAL="1", HEARTBEAT_INTERVAL="1"),
    ]
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base_url}/healthz"), timeout=30, what="gunicorn to answer")
        # Ready once the database and broker answer and a heartbeat went beat -> Redis -> worker.
        wait_for(lambda: _answers(f"{base_url}/readyz"), timeout=30, what="/readyz to report ready")
        yield base_url
    finally:
        for process in processes:
            stop_worker(process)
        for process in processes:  # shown by pytest only when the test failed
            print(f"--- {process.log_path.name}\n{process.log_path.read_text()[-4000:]}")


def test_the_inbox_gets_its_stylesheet_and_scripts_and_the_worker_drafts(
    production_stack, new_page, owner, creator, camera_faq
):
    # The tests hash with MD5 for speed; gunicorn knows only the production hashers.
    hasher = PBKDF2PasswordHasher()
    owner.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    owner.save()
    youtube_channel(creator, "mia-project")  # the Review tab's quota line, styled by the collected app.css
    spent("mia-project", 1200)
    page = new_page()
    static_answers: dict[str, int] = {}
    page.on("response", lambda r: static_answers.__setitem__(r.url, r.status) if "/static/" in r.url else None)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(page, production_stack, owner.email, PASSWORD)
    page.wait_for_load_state("load")

    assert static_answers and all(code == 200 for code in static_answers.values()), static_answers
    stylesheet = next(url for url in static_answers if "/static/app." in url)
    assert stylesheet.endswith(".css") and stylesheet != f"{production_stack}/static/app.css"  # hashed name
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    assert page.evaluate("typeof htmx") == "object"
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert httpx.get(f"{production_stack}{icon}").headers["content-type"] == "image/svg+xml"  # no favicon 404 per page
    assert "8800 units" in page.locator("#youtube-quota").inner_text()
    sizes = page.evaluate("[document.getElementById('youtube-quota'), document.body].map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes[0] < sizes[1]  # .quota-left's smaller type: app.css reached the partial
    page.keyboard.press("?")  # inbox.js: the shortcuts dialog
    assert page.evaluate("document.getElementById('shortcuts').open") is True
    page.keyboard.press("Escape")

    # A hashed file is compressed and cached for good.
    answer = httpx.get(stylesheet, headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert answer.headers["content-encoding"] == "gzip"
    assert "immutable" in answer.headers["cache-control"]

    _, raw_token = ApiToken.issue(creator=creator, name="production stack")
    response = httpx.post(
        f"{production_stack}/api/v1/comments/", json=comment_payload("prod-1"),
        headers={"Authorization": f"Bearer {raw_token}"}, timeout=10,
    )
    assert response.status_code == 201, response.text
    comment_id = response.json()["results"][0]["id"]
    wait_for(lambda: Comment.objects.get(id=comment_id).status == "drafted", timeout=30, what="the worker's draft")
    draft = Draft.objects.get(comment_id=comment_id)
    assert "Sony A7 IV" in draft.text

    page.reload()
    page.locator(f"#draft-{draft.id}").wait_for()

    # The privacy page (new templates) is styled too, and erasing the fan works through it.
    page.goto(f"{production_stack}/settings/privacy/")
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    page.select_option("select[name=platform]", "youtube")
    page.fill("input[name=fan_id]", comment_payload("prod-1")["author"]["external_id"])
    page.click("form[action$='/privacy/erase/'] button[type=submit]")
    page.locator("table.erasures td", has_text="youtube").wait_for()
    assert not Comment.objects.filter(id=comment_id).exists()
    # The API docs run under the same policy (start-up script as a file) and offer "Authorize".
    page.goto(f"{production_stack}/api/docs/")
    page.locator(".swagger-ui button.authorize").wait_for()
    assert blocked == []  # the Content-Security-Policy blocked nothing the inbox, the privacy page or the docs need
