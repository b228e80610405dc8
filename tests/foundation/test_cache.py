"""The Redis cache reuses its Redis client (core.cache), against the Redis on 127.0.0.1
that CI starts for both of its runs; and every cache of an app lives in its caching.py."""

import os
import re
from pathlib import Path

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


# --- every cache of an app in its caching.py (STYLE.md) ---

ROOT = Path(__file__).resolve().parents[2]
# Our code: each app's package (their tests and migrations aside).
PACKAGES = [
    path.parent
    for path in ROOT.glob("*/apps.py")
    if not path.parent.name.startswith(".") and path.parent.name != "tests"
]
# The shared cache used for something else than a cached read: the mailbox polling lease.
NOT_A_CACHE = {
    "intake/services/polling.py",  # the polling lease
    "core/ratelimit.py",  # counters over a time window (the second factor's limits)
}


def _sources():
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, path.read_text()


def test_only_caching_modules_read_or_write_the_shared_cache():
    """A cached read and its invalidation live together in <app>/caching.py: nowhere else
    imports Django's cache (core/cache.py is the backend itself)."""
    found = {
        relative
        for relative, text in _sources()
        if re.search(r"^from django\.core\.cache import|^import django\.core\.cache", text, re.M)
    }
    allowed = {rel for rel in found if rel.endswith("/caching.py")} | NOT_A_CACHE
    assert found - allowed == set()
    assert {"tickets/caching.py", "accounts/caching.py"} <= found


def test_no_cache_is_cleared_by_a_signal_or_wired_at_import():
    """Services call caching after a change; model signals and migrate hooks are not used."""
    hooked = {
        relative
        for relative, text in _sources()
        if re.search(
            r"\b(post_save|post_delete|pre_save|pre_delete|m2m_changed|post_migrate|pre_migrate)\b",
            text,
        )
    }
    assert hooked == set()
