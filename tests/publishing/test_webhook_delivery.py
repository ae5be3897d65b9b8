"""Standard Webhooks delivery policy (retries over days, 410 disables, no redirects, nothing leaked)
and the SSRF guard on webhook URLs, against the loopback receiver."""

import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Creator
from accounts.services import WebhookUrlRefused, webhook_set
from replyqueue.integrations.webhook.connector import retry_schedule
from replyqueue.publishing.models import Publication
from replyqueue.publishing.tasks import sweep_once
from tests.conftest import webhook_receiver_for
from tests.pages import login
from tests.publishing.fake_platforms import approve, send_now


@pytest.fixture
def receiver(creator, camera_faq):
    with webhook_receiver_for(creator) as state:
        yield state


def test_the_schedule_is_5s_5m_30m_2h_5h_10h_then_10h_with_jitter_never_sooner():
    schedule = retry_schedule()
    expected = [5, 300, 1800, 7200, 18000, 36000, 36000, 36000]
    for attempt, base in enumerate(expected, start=1):
        delays = [schedule.delay(attempt) for _ in range(50)]
        assert all(base <= delay <= base * 1.2 for delay in delays)
        assert max(delays) > min(delays)  # jittered
    assert schedule.max_attempts == 12
    total = sum(expected[min(n, 7)] for n in range(schedule.max_attempts - 1))
    assert total > 2 * 86400  # retried over days


def test_a_receiver_down_for_a_deploy_loses_nothing(creator, owner, receiver):
    publications = [approve(creator, owner, f"c{n}") for n in range(5)]
    receiver.script = ["503"] * 12  # the first dozen requests hit a receiver being deployed
    sweep_once()
    first = Publication.objects.get(id=publications[0].id)
    assert (first.status, first.last_error) == ("failed", "HTTP 503")
    assert first.next_attempt_at >= timezone.now() + timedelta(seconds=3)  # the schedule, not at once
    for _ in range(20):
        if not Publication.objects.exclude(status="sent").exists():
            break
        Publication.objects.exclude(status="sent").update(next_attempt_at=timezone.now())  # time passes
        sweep_once()
    statuses = list(Publication.objects.values_list("status", flat=True))
    assert statuses == ["sent"] * 5
    assert receiver.actions["503"] == 12
    assert sorted(receiver.deliveries.values()) == [1] * 5  # each delivered once


def test_a_redirect_is_a_failure_and_is_never_followed(publication_factory):
    publication, receiver = publication_factory(["302"])
    send_now(publication)
    assert (publication.status, publication.last_error) == ("failed", "HTTP 302")
    assert sum(receiver.actions.values()) == 1


def test_the_receivers_body_is_never_stored(publication_factory):
    publication, _ = publication_factory(["500"])
    send_now(publication)
    assert publication.last_error == "HTTP 500"
    assert "10.0.0.5" not in publication.last_error


@pytest.fixture
def publication_factory(creator, owner, receiver):
    def make(script):
        receiver.script = list(script)
        return approve(creator, owner, "c1"), receiver

    return make


def test_410_gone_disables_the_endpoint_and_stops_sending(client, creator, owner, receiver):
    first, second = approve(creator, owner, "c1"), approve(creator, owner, "c2")
    Publication.objects.filter(id=second.id).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    receiver.script = ["410"]
    send_now(first)
    second.refresh_from_db()
    creator.refresh_from_db()
    assert first.status == second.status == "dead"
    assert "410 Gone" in first.last_error and "410 Gone" in second.last_error
    assert creator.webhook_disabled_at is not None
    third = send_now(approve(creator, owner, "c3"))
    assert third.status == "dead"
    assert sum(receiver.actions.values()) == 1  # nothing sent after the 410
    page = login(client, owner).get("/settings/webhook/").content.decode()
    assert 'id="webhook-disabled"' in page

    webhook_set(creator=creator, url=creator.webhook_url)  # saving the URL again re-enables
    creator.refresh_from_db()
    assert creator.webhook_disabled_at is None


# -- SSRF ------------------------------------------------------------------------------------


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_REQUIRE_HTTPS = True


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.5/hook", "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook", "https://[fe80::1]/", "https://224.0.0.1/",
    "https://240.0.0.1/", "https://0.0.0.0/", "https://100.64.0.1/", "https://[::ffff:127.0.0.1]/",
])
def test_private_and_reserved_destinations_are_refused_when_saved(creator, production, url):
    with pytest.raises(WebhookUrlRefused):
        webhook_set(creator=creator, url=url)
    assert Creator.objects.get(id=creator.id).webhook_url == ""


def test_plain_http_is_refused_in_production(creator, production):
    with pytest.raises(WebhookUrlRefused, match="https"):
        webhook_set(creator=creator, url="http://hooks.example.com/replies")
    webhook_set(creator=creator, url="https://hooks.example.com/replies")


def test_the_settings_page_and_the_command_refuse_a_private_url(client, creator, owner, production):
    response = login(client, owner).post("/settings/webhook/", {"url": "https://169.254.169.254/"})
    assert response.status_code == 400
    assert "private" in response.content.decode()
    with pytest.raises(CommandError, match="private"):
        call_command("set_webhook", creator.slug, "https://127.0.0.1:8001/")


def _resolving(monkeypatch, answers: dict[str, list[str]]):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            addresses = answers[host].pop(0) if answers[host] else None
            if addresses is None:
                raise socket.gaierror(-2, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses, port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_dns_rebinding_is_refused_at_send_time(creator, owner, receiver, monkeypatch, settings):
    port = creator.webhook_url.split(":")[2].split("/")[0]
    _resolving(monkeypatch, {"hooks.rebind.test": ["93.184.216.34", "127.0.0.1"]})
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    webhook_set(creator=creator, url=f"http://hooks.rebind.test:{port}/hook")  # public when saved
    publication = send_now(approve(creator, owner, "c1"))  # 127.0.0.1 when sent
    assert publication.status == "failed"
    assert "does not resolve to a public address" in publication.last_error
    assert sum(receiver.actions.values()) == 0


def test_the_request_goes_to_the_address_that_was_checked(creator, owner, receiver, monkeypatch):
    port = creator.webhook_url.split(":")[2].split("/")[0]
    webhook_set(creator=creator, url=f"http://receiver.test:{port}/hook")
    _resolving(monkeypatch, {"receiver.test": ["127.0.0.1"]})  # answers once: a second lookup would fail
    publication = send_now(approve(creator, owner, "c1"))
    assert publication.status == "sent"
    assert receiver.unique_deliveries == 1
