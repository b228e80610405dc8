"""core.ratelimit counts over a window on each cache the helpdesk runs on: the per-process
memory cache (tests), the file cache of the embedded default, and Redis."""

import os
import time

import pytest

from core import ratelimit

PREFIX = f"test-ratelimit-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


@pytest.fixture(params=["locmem", "file", "redis"])
def backend(request, settings, tmp_path):
    caches = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "file": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        },
        "redis": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": PREFIX,
        },
    }
    settings.CACHES = {"default": caches[request.param]}
    yield request.param
    ratelimit.reset("tries", "user:1")
    ratelimit.reset("tries", "user:2")


def test_hits_count_within_the_window_and_start_again_after_it(backend):
    assert ratelimit.peek("tries", "user:1", 1) == ratelimit.Count(0, 0)
    assert ratelimit.hit("tries", "user:1", 1).count == 1
    second = ratelimit.hit("tries", "user:1", 1)
    assert second == ratelimit.Count(2, 1)
    assert ratelimit.peek("tries", "user:1", 1).count == 2
    assert ratelimit.peek("tries", "user:2", 1).count == 0  # each ident its own counter

    time.sleep(1.2)
    assert ratelimit.peek("tries", "user:1", 1).count == 0
    assert ratelimit.hit("tries", "user:1", 1).count == 1


def test_the_window_runs_from_the_first_hit_not_the_last(backend):
    ratelimit.hit("tries", "user:1", 2)
    time.sleep(1)
    later = ratelimit.hit("tries", "user:1", 2)
    assert later == ratelimit.Count(2, 1)  # the end did not move
    time.sleep(1.6)
    assert ratelimit.peek("tries", "user:1", 2).count == 0
