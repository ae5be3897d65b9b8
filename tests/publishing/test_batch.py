"""A publish task claims a small batch of due publications (same connector and channel) and sends
them at once, each claimed before its request and recorded after it, as when sent one by one."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from replyqueue.publishing.claiming import publications_claim
from replyqueue.publishing.models import ChannelSend, Publication
from replyqueue.publishing.sending import publications_send
from tests.conftest import webhook_receiver_for
from tests.publishing.fake_platforms import approve
from tests.publishing.test_rate_limit import CHANNEL_ID, burst, channel, due_burst, require_postgresql, youtube  # noqa: F401


@pytest.fixture
def receiver(creator, camera_faq):
    with webhook_receiver_for(creator, undo_delay_seconds=30) as state:
        yield state


def due_webhooks(creator, owner, count: int, prefix: str = "c") -> list[int]:
    ids = [approve(creator, owner, f"{prefix}{n}").id for n in range(count)]  # inside the undo window
    past = timezone.now() - timedelta(seconds=1)
    Publication.objects.filter(id__in=ids).update(due_at=past, next_attempt_at=past)
    return ids


def test_a_claim_takes_its_own_publication_first_and_a_batch_of_the_same_connector(creator, owner, receiver):
    ids = due_webhooks(creator, owner, 6)
    batch = publications_claim([ids[3]], size=4)
    assert [p.id for p in batch][0] == ids[3]
    assert len(batch) == 4
    assert all(p.status == "sending" and p.attempts == 1 for p in batch)
    assert batch[0].creator.slug == creator.slug and batch[0].comment.external_id  # loaded with the claim
    rows = dict(Publication.objects.filter(id__in=ids).values_list("id", "status"))
    assert sorted(rows.values()) == ["queued", "queued", "sending", "sending", "sending", "sending"]
    assert publications_claim([ids[3]], size=4) == []  # taken: its own wake-up finds nothing


def test_a_publication_not_due_claims_nothing_and_takes_no_others(creator, owner, receiver):
    ids = due_webhooks(creator, owner, 3)
    Publication.objects.filter(id=ids[0]).update(due_at=timezone.now() + timedelta(minutes=5))
    assert publications_claim([ids[0]], size=8) == []
    assert Publication.objects.filter(status="sending").count() == 0


def test_a_batch_never_takes_more_than_the_channel_rate_limit_leaves(creator, owner, channel, youtube):  # noqa: F811
    ids = due_burst(creator, owner, 6)  # the channel allows 3 a minute
    ChannelSend.objects.create(channel=channel)
    batch = publications_claim([ids[0]], size=8)
    assert len(batch) == 2
    assert ChannelSend.objects.count() == 3
    assert publications_claim([ids[5]], size=8) == []  # the window is full: pushed back, not claimed
    assert Publication.objects.get(id=ids[5]).next_attempt_at > timezone.now() + timedelta(seconds=30)


def test_a_batch_stays_on_one_channel(creator, owner, channel, youtube, settings):  # noqa: F811
    channel.rate_limit_per_minute = 0
    channel.save()
    ids = due_burst(creator, owner, 4)
    other = type(channel).objects.create(
        creator=creator, platform="youtube", connector="youtube", base_url=youtube.url, external_id="UCother"
    )
    Publication.objects.filter(id__in=ids[2:]).update(channel=other)
    assert {p.id for p in publications_claim([ids[0]], size=8)} == set(ids[:2])


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_sent_concurrently_and_each_reply_recorded_once(creator, owner, camera_faq):
    with webhook_receiver_for(creator, undo_delay_seconds=30, latency=0.3) as receiver:
        ids = due_webhooks(creator, owner, 6)
        started = time.monotonic()
        assert publications_send(publication_ids=ids, batch_size=8) == 6
        elapsed = time.monotonic() - started
    assert elapsed < 6 * 0.3  # one at a time would take 1.8 s
    assert Publication.objects.filter(id__in=ids, status="sent", attempts=1).count() == 6
    assert receiver.unique_deliveries == 6 and sum(receiver.deliveries.values()) == 6
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_failures_in_a_batch_are_recorded_one_by_one(creator, owner, camera_faq):
    with webhook_receiver_for(creator, undo_delay_seconds=30, latency=0.05) as receiver:
        ids = due_webhooks(creator, owner, 4)
        receiver.script = ["500", "ok", "429", "ok"]
        publications_send(publication_ids=ids, batch_size=4)
    statuses = sorted(Publication.objects.filter(id__in=ids).values_list("status", flat=True))
    assert statuses == ["failed", "failed", "sent", "sent"]
    assert receiver.unique_deliveries == 2
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_once_take_different_publications(creator, owner, camera_faq):
    require_postgresql()
    with webhook_receiver_for(creator, undo_delay_seconds=30):
        ids = due_webhooks(creator, owner, 24)
        start = threading.Barrier(4)
        claimed: list[list[int]] = []

        def worker(first: int) -> None:
            try:
                start.wait()
                claimed.append([p.id for p in publications_claim([first], size=8)])
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(ids[n],)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    taken = [publication_id for batch in claimed for publication_id in batch]
    assert len(taken) == len(set(taken))
    assert Publication.objects.filter(status="sending", attempts=1).count() == len(taken)
    assert len(taken) >= 8


def test_waking_publications_takes_one_task_per_batch(creator, owner, receiver, monkeypatch, settings):
    from replyqueue.publishing import tasks

    settings.PUBLISH_BATCH_SIZE = 4
    woken: list = []
    monkeypatch.setattr(tasks.publish_batch, "delay", lambda ids: woken.append(ids))
    monkeypatch.setattr(tasks.publish, "delay", lambda publication_id: woken.append(publication_id))
    ids = due_webhooks(creator, owner, 9)
    tasks.enqueue_publish(ids)
    assert woken == [ids[0:4], ids[4:8], ids[8]]
    assert Publication.objects.filter(id__in=ids, enqueued_at__isnull=False).count() == 9


def test_a_batch_wake_up_sends_what_is_due_and_leaves_the_rest(creator, owner, receiver):
    ids = due_webhooks(creator, owner, 4)
    Publication.objects.filter(id=ids[1]).update(due_at=timezone.now() + timedelta(minutes=5))
    publications_send(publication_ids=ids, batch_size=4)  # in the test's transaction: one after another
    statuses = dict(Publication.objects.filter(id__in=ids).values_list("id", "status"))
    assert [statuses[i] for i in ids] == ["sent", "queued", "sent", "sent"]
    assert receiver.unique_deliveries == 3


def test_a_batch_through_a_rate_limited_channel_sends_its_room_and_pushes_back_the_rest(
    creator, owner, channel, youtube,  # noqa: F811
):
    ids = due_burst(creator, owner, 5)  # the channel allows 3 a minute
    assert publications_send(publication_ids=ids, batch_size=8) == 3
    assert len(youtube.replies) == 3
    waiting = Publication.objects.filter(id__in=ids, status="queued", attempts=0)
    assert waiting.count() == 2
    assert all(p.next_attempt_at > timezone.now() + timedelta(seconds=50) for p in waiting)


@pytest.mark.django_db(transaction=True)
def test_a_sender_fills_each_freed_slot_with_another_due_publication(creator, owner, camera_faq):
    # Threads write at once here; the suite's in-memory SQLite (shared cache) refuses that with
    # "table is locked" instead of waiting as a SQLite file in WAL mode does.
    require_postgresql()
    with webhook_receiver_for(creator, undo_delay_seconds=30, latency=0.2) as receiver:
        ids = due_webhooks(creator, owner, 6)
        started = time.monotonic()
        assert publications_send(publication_ids=ids[:2], batch_size=2) == 6  # woken for two, sent all six
        elapsed = time.monotonic() - started
    assert elapsed >= 3 * 0.2  # never more than two in flight
    assert Publication.objects.filter(id__in=ids, status="sent", attempts=1).count() == 6
    assert sum(receiver.deliveries.values()) == 6
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_claim_on_postgresql_is_one_statement_that_updates_and_loads(creator, owner, camera_faq):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    require_postgresql()
    with webhook_receiver_for(creator, undo_delay_seconds=30):
        ids = due_webhooks(creator, owner, 4)
        with CaptureQueriesContext(connection) as queries:
            batch = publications_claim(ids, size=4)
        with CaptureQueriesContext(connection) as reads:
            assert {p.comment.external_id for p in batch} == {f"c{n}" for n in range(4)}
            assert all(p.creator.slug == creator.slug and p.comment.post is None for p in batch)
    assert len(batch) == 4 and all(p.status == "sending" and p.attempts == 1 for p in batch)
    assert len(queries.captured_queries) == 1  # the claim, with the rows, what sending needs and the secrets
    sql = queries.captured_queries[0]["sql"]
    assert "UPDATE" in sql and "RETURNING" in sql and "SKIP LOCKED" in sql
    assert reads.captured_queries == []  # everything came with the claim


@pytest.mark.django_db(transaction=True)
def test_the_one_statement_claim_takes_exactly_what_the_orm_rules_call_due(creator, owner, camera_faq):
    from django.db.models import Q

    from replyqueue.comments.models import Comment
    from replyqueue.publishing.claiming import _claim_returning, _due

    require_postgresql()
    with webhook_receiver_for(creator, undo_delay_seconds=30):
        ids = due_webhooks(creator, owner, 9)
        later = timezone.now() + timedelta(minutes=5)
        Publication.objects.filter(id=ids[1]).update(status="failed")  # due again
        Publication.objects.filter(id=ids[2]).update(status="unknown", outcome_unknown=True)  # due: reconciled first
        Publication.objects.filter(id=ids[3]).update(due_at=later)  # in its undo window
        Publication.objects.filter(id=ids[4]).update(status="failed", next_attempt_at=later)  # backing off
        Publication.objects.filter(id=ids[5]).update(status="sent")
        Publication.objects.filter(id=ids[6]).update(connector="pull")  # nothing to send: clients pull it
        Publication.objects.filter(id=ids[7]).update(status="dead")
        Comment.objects.filter(publications__id=ids[0]).update(reasons=["a reason"], labels={"k": "v"})
        now = timezone.now()
        expected = set(
            _due(Publication.objects.filter(id__in=ids), now)
            .filter(Q(channel__isnull=True) | Q(channel__rate_limit_per_minute=0)).values_list("id", flat=True)
        )
        batch = _claim_returning("ids", [ids], 100)
    assert expected == {ids[0], ids[1], ids[2], ids[8]}
    assert {p.id for p in batch} == expected
    first = next(p for p in batch if p.id == ids[0])
    assert (first.comment.reasons, first.comment.labels) == (["a reason"], {"k": "v"})  # JSON, converted as the ORM does
    assert next(p for p in batch if p.id == ids[2]).outcome_unknown is True


@pytest.mark.django_db(transaction=True)
def test_the_one_statement_claim_leaves_a_rate_limited_channel_to_the_locked_path(creator, owner, channel, youtube):  # noqa: F811
    from replyqueue.publishing.claiming import publications_claim_more

    require_postgresql()
    ids = due_burst(creator, owner, 4)  # the channel allows 3 a minute: counted under its row lock
    assert publications_claim_more("youtube", channel.id, 8) == []
    channel.rate_limit_per_minute = 0
    channel.save()
    batch = publications_claim_more("youtube", channel.id, 8)
    assert sorted(p.id for p in batch) == sorted(ids)
    assert all(p.channel.external_id == CHANNEL_ID and p.channel.credentials for p in batch)
    assert publications_claim_more("youtube", None, 8) == []  # another scope: no channel


def test_a_wake_up_whose_publications_another_sender_took_helps_with_the_rest(creator, owner, receiver):
    from replyqueue.publishing.sending import _help_another_sender

    ids = due_webhooks(creator, owner, 6)
    taken = publications_claim(ids[:2], size=2)  # another sender has them (and claims ahead)
    assert publications_claim(ids[:2], size=8) == []
    helped = _help_another_sender(ids[:2], 8)
    assert sorted(p.id for p in helped) == ids[2:]
    assert {p.id for p in taken}.isdisjoint(p.id for p in helped)


def test_a_wake_up_for_a_publication_not_yet_due_helps_no_one(creator, owner, receiver):
    from replyqueue.publishing.sending import _help_another_sender

    ids = due_webhooks(creator, owner, 3)
    Publication.objects.filter(id=ids[0]).update(due_at=timezone.now() + timedelta(minutes=5))
    assert _help_another_sender(ids[:1], 8) == []
    assert Publication.objects.filter(status="sending").count() == 0


def test_outcomes_of_a_batch_are_recorded_with_one_update(creator, owner, receiver, django_assert_num_queries):
    from replyqueue.publishing.connectors import Outcome
    from replyqueue.publishing.sending import publications_record

    ids = due_webhooks(creator, owner, 4)
    batch = publications_claim(ids, size=4)
    with django_assert_num_queries(1):
        publications_record([(publication, Outcome.sent(), None) for publication in batch])
    assert Publication.objects.filter(id__in=ids, status="sent").count() == 4


def test_different_reply_ids_in_a_batch_are_each_recorded_on_their_row(creator, owner, receiver):
    from replyqueue.publishing.connectors import Outcome
    from replyqueue.publishing.sending import publications_record

    ids = due_webhooks(creator, owner, 3)
    batch = publications_claim(ids, size=3)
    publications_record([(p, Outcome.sent(f"reply-{p.id}"), None) for p in batch[:2]]
                        + [(batch[2], Outcome.retry("HTTP 500"), None)])
    rows = dict(Publication.objects.filter(id__in=ids).values_list("id", "external_reply_id"))
    assert [rows[p.id] for p in batch[:2]] == [f"reply-{p.id}" for p in batch[:2]]
    assert Publication.objects.get(id=batch[2].id).status == "failed"


def test_an_outcome_is_not_recorded_on_a_publication_no_longer_sending(creator, owner, receiver):
    from replyqueue.publishing.connectors import Outcome
    from replyqueue.publishing.sending import publications_record

    ids = due_webhooks(creator, owner, 2)
    batch = publications_claim(ids, size=2)
    Publication.objects.filter(id=batch[0].id).update(status="unknown")  # the sweeper took it back
    publications_record([(publication, Outcome.sent(), None) for publication in batch])
    assert Publication.objects.get(id=batch[0].id).status == "unknown"
    assert Publication.objects.get(id=batch[1].id).status == "sent"


def test_a_batch_loads_the_signing_secrets_with_the_claim(creator, owner, receiver, django_assert_num_queries):
    from replyqueue.integrations.webhook.secrets import signing_secrets, webhook_secret_rotate

    webhook_secret_rotate(creator=creator, grace=timedelta(hours=1))
    ids = due_webhooks(creator, owner, 2)
    batch = publications_claim(ids, size=2)
    with django_assert_num_queries(0):
        assert len(signing_secrets(batch[0].creator)) == 2  # the new secret and the retired one


def test_the_reference_receiver_keeps_the_connection_alive(creator, camera_faq):
    import http.client

    with webhook_receiver_for(creator) as _receiver:
        port = int(creator.webhook_url.rsplit(":", 1)[1].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/hook", body=b"{}", headers={"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
    assert response.status == 401  # unsigned: refused, and answered
    assert not response.will_close  # HTTP/1.1 keep-alive, as a production server (HTTP/1.0 closed each time)
