"""Redis as a cache that fails soft: while it is down, pages still serve.

Django's RedisCache raises on a refused or timed-out connection, which made every page that
reads the cache (the numbers, an import's progress, rate limits) a 500. Here a read misses
and a write is skipped, or, given OPTIONS["FALLBACK"] (a cache alias), both go to that
cache instead: the rate-limit counters move to the database, so the limits still hold.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger("accord.cache")

# One warning per this many seconds: a Redis outage must not flood the logs.
WARN_EVERY_SECONDS = 60


class OneClientPerPool(RedisCacheClient):
    """Django's Redis client, building its redis-py client once per connection pool, not
    on every call: building one fills a table of some 170 reply parsers, which cost more CPU
    than the round trip itself (sessions, kept pages and figures read the cache on every
    request). A redis-py client is safe to share: it takes a connection from its pool for
    each command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._fallback = options.pop("FALLBACK", None)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = OneClientPerPool
        self._warned_at = 0.0

    def _soft(self, name: str, error: RedisError, args, kwargs, default):
        now = time.monotonic()
        if now - self._warned_at > WARN_EVERY_SECONDS:
            self._warned_at = now
            where = f"the {self._fallback!r} cache" if self._fallback else "no cache"
            log.warning("Redis unavailable (%s); using %s meanwhile.", error, where)
        if self._fallback:
            return getattr(caches[self._fallback], name)(*args, **kwargs)
        if isinstance(default, BaseException):
            raise default
        return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            return self._soft("add", error, (key, value, timeout, version), {}, False)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            return self._soft("get", error, (key, default, version), {}, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            return self._soft("set", error, (key, value, timeout, version), {}, None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            return self._soft("touch", error, (key, timeout, version), {}, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            return self._soft("delete", error, (key, version), {}, False)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            return self._soft("get_many", error, (keys, version), {}, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            return self._soft("has_key", error, (key, version), {}, False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            # As for a key that is not there: the caller starts the count again.
            missing = ValueError(f"Key '{key}' not found (Redis unavailable).")
            return self._soft("incr", error, (key, delta, version), {}, missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            return self._soft("set_many", error, (data, timeout, version), {}, list(data))

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            return self._soft("delete_many", error, (keys, version), {}, None)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            return self._soft("clear", error, (), {}, False)
