"""Overlapping batches pushed at once, on PostgreSQL: every answer is 2xx, each comment is stored
once, and every batch sees the same id for a shared external_id (duplicates flagged)."""

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiToken
from replyqueue.comments.models import Comment, Fan
from tests.conftest import comment_payload
from tests.e2e.conftest import purge_broker, require_real_stack

pytestmark = pytest.mark.services

BATCHES, SIZE, STEP = 20, 50, 10  # batch i holds c{10i} .. c{10i+49}: each id is in up to 5 batches


def test_overlapping_batches_at_once_store_each_comment_once(transactional_db, creator):
    require_real_stack()
    purge_broker()
    _, raw = ApiToken.issue(creator=creator, name="parallel")
    batches = [
        [comment_payload(f"c{j}", author={"external_id": f"fan-{j % 7}", "name": f"Fan {i}"}) for j in range(i * STEP, i * STEP + SIZE)]
        for i in range(BATCHES)
    ]
    start = threading.Barrier(BATCHES)

    def send(batch):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        start.wait()
        try:
            return client.post("/api/v1/comments/", {"comments": batch}, format="json")
        finally:
            connection.close()

    with ThreadPoolExecutor(BATCHES) as pool:
        responses = list(pool.map(send, batches))
    purge_broker()  # no worker runs here: drop the wake-ups the batches enqueued

    assert [r.status_code for r in responses if not 200 <= r.status_code < 300] == []
    ids, stored_by = defaultdict(set), defaultdict(int)
    for response in responses:
        for result in response.json()["results"]:
            ids[result["external_id"]].add(result["id"])
            stored_by[result["external_id"]] += not result["duplicate"]
    distinct = (BATCHES - 1) * STEP + SIZE
    assert len(ids) == distinct and all(len(found) == 1 for found in ids.values())
    assert set(stored_by.values()) == {1}  # one batch stored it, every other one saw a duplicate
    assert Comment.objects.filter(creator=creator).count() == distinct
    assert Fan.objects.filter(creator=creator).count() == 7
