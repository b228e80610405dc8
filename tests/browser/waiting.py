"""Waiting, in the test's thread, for what a browser's request does in the live server's."""

import time


def until(condition, seconds=10, message="the browser's action never arrived"):
    """Wait until condition() is true: what the browser's request wrote (the request runs in the
    live server's thread, so the test sees it only once that request is done). condition is
    called every 0.05 s; after `seconds` without it being true, fail with `message`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
