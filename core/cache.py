"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a redis.Redis object for every cache operation, and redis-py
fills a table of some eighty response callbacks each time: about a tenth of a millisecond, and
a page makes several operations (reference data, counters, rate limits). A client holds no
connection of its own (its pool does) and is safe to share between threads, so one per pool
is enough.
"""

from django.core.cache.backends import redis
from django.db import transaction


def stale(forget) -> None:
    """A cached value went stale: forget() now, and again once the transaction commits (a
    page that read the old rows in between would otherwise cache them again)."""
    forget()
    transaction.on_commit(forget, robust=True)


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
