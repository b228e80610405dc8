"""The Redis cache reuses its Redis client (core.cache), against the Redis on 127.0.0.1
that CI starts for both of its runs."""

import os

from core.cache import RedisCache

# Keys of their own for each test process (parallel workers, two checkouts side by side).
PREFIX = f"test-cache-client-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


def test_the_redis_cache_works_with_one_client_for_every_call():
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": PREFIX})
    try:
        cache.set("answer", {"n": 41}, 60)
        cache.set("count", 1, 60)
        assert cache.incr("count") == 2
        assert cache.get("answer") == {"n": 41}
        assert cache.get_many(["answer", "missing"]) == {"answer": {"n": 41}}
        first = cache._cache.get_client("answer")
        assert cache._cache.get_client("count", write=True) is first
        cache.delete("answer")
        assert cache.get("answer") is None
    finally:
        cache.delete_many(["answer", "count"])
