"""The Redis cache reuses its Redis client (core.cache), against the Redis on 127.0.0.1
that CI starts for both of its runs."""

from core.cache import RedisCache


def test_the_redis_cache_works_with_one_client_for_every_call():
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "test-cache-client"})
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
