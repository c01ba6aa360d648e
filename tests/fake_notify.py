"""The fake GOV.UK Notify for tests: in a thread of the test (same clock as the test,
time-machine included), or in a process of its own for tests whose senders are other
processes (they all read the machine's clock, faketime included)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import REPO
from tools.fake_notify import DEMO_KEY, Behaviour, FakeNotify

__all__ = ["DEMO_KEY", "Behaviour", "FakeNotify", "FakeProcess", "fake_in_thread",
           "fake_process"]


@contextmanager
def fake_in_thread(**behaviour: Any) -> Iterator[FakeNotify]:
    fake = FakeNotify(DEMO_KEY, 0, Behaviour(**behaviour)).start()
    try:
        yield fake
    finally:
        fake.stop()


class FakeProcess:
    """The fake started with its documented command, driven over HTTP."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def configure(self, **changes: Any) -> None:
        request = urllib.request.Request(f"{self.url}/_fake/config",
                                         data=json.dumps(changes).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()

    def notifications(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/_fake/notifications", timeout=30) as answer:
            return json.loads(answer.read())["notifications"]

    def refusals(self) -> list[int]:
        with urllib.request.urlopen(f"{self.url}/_fake/notifications", timeout=30) as answer:
            return json.loads(answer.read())["refusals"]


@contextmanager
def fake_process(*options: str) -> Iterator[FakeProcess]:
    process = subprocess.Popen([sys.executable, "-m", "tools.fake_notify", "--port", "0",
                                *options], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline() if process.stdout else ""
        url = first.strip().rsplit(" ", 1)[-1]
        if not url.startswith("http://"):
            raise RuntimeError(f"the fake Notify did not start: {first!r}")
        yield FakeProcess(process, url)
    finally:
        process.terminate()
        process.wait(timeout=30)
