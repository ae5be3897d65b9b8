"""Presence marks (who is looking at which card) cross processes through the Redis cache, as
gunicorn's workers need them to: a mark made in one process is seen in another."""

import os
import random
import subprocess
import sys

import pytest
from django.core.cache import cache

from replyqueue.inbox.presence import viewers_by_draft
from tests.conftest import require_redis

MARK_IN_ANOTHER_PROCESS = """
import django
django.setup()
from replyqueue.inbox.presence import mark_viewing
mark_viewing({creator_id}, 7, "sam@example.com")
"""


@pytest.mark.services
def test_a_card_opened_in_one_process_shows_its_viewer_in_another_through_the_redis_cache(settings):
    redis_url = require_redis()
    creator_id = random.randint(10**8, 10**9)  # a key no other test or run uses
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    environment = {**os.environ, "CACHE_URL": redis_url, "DJANGO_SETTINGS_MODULE": "replyqueue.settings"}
    try:
        subprocess.run([sys.executable, "-c", MARK_IN_ANOTHER_PROCESS.format(creator_id=creator_id)], env=environment, check=True, timeout=60)
        assert viewers_by_draft(creator_id, except_user="ana@example.com") == {7: ["sam@example.com"]}
        assert viewers_by_draft(creator_id, except_user="sam@example.com") == {}  # nobody is shown themselves
    finally:
        cache.delete(f"inbox-presence:{creator_id}")
