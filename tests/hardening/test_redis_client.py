"""The shared Redis cache builds its redis-py client once per connection pool, and reads and
writes through it as Django's own client does."""

import os

import pytest
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.module_loading import import_string

from config.settings import caches_for

# The database after the several-server test's, which empties its own while it runs.
BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
REDIS_URL = f"{BASE.rsplit('/', 1)[0]}/{int(BASE.rsplit('/', 1)[1] or 0) + 1}"


@pytest.fixture
def redis_cache():
    config = caches_for(REDIS_URL)["default"] | {"KEY_PREFIX": "test-redis-client"}
    cache = import_string(config["BACKEND"])(config["LOCATION"], config)
    try:
        cache._cache.get_client().ping()
    except Exception as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable ({error})")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({error})")
    yield cache
    cache.delete_many(["page", "absent"])


def test_one_client_serves_every_call_and_reads_what_it_wrote(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client(write=True) is client  # one server: one pool
    redis_cache.set("page", (b"<html>", [("Content-Type", "text/html")]), 30)
    assert redis_cache.get_many(["page", "absent"]) == {
        "page": (b"<html>", [("Content-Type", "text/html")])
    }
    assert redis_cache.add("page", "other", 30) is False
    # Django's own client builds a new one each time: the cost this one saves.
    plain = RedisCacheClient([REDIS_URL])
    assert plain.get_client() is not plain.get_client()
