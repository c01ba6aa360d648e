"""Messages from the command line: ``serve`` sends them when it has the key (and only
then), the key never reaches the log, a test message, the per-person outcomes file, and
mistakes as one sentence."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from outbound.cli import main
from outbound.db import open_database
from outbound.notify.config import load_notify_settings
from outbound.notify.status import campaign_messages
from tests.conftest import REPO
from tests.fake_notify import DEMO_KEY, fake_process
from tests.notify_helpers import person, warn_and_inform

pytestmark = pytest.mark.clock(datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London")))


def _serve(path, env_extra, until) -> str:
    env = {**os.environ, "OUTBOUND_EXPORT_FOLDER": str(path.parent / "exports"),
           **env_extra}
    process = subprocess.Popen([sys.executable, str(REPO / "main.py"), "serve", "--db",
                                str(path)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not until() and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    return output


# `serve` runs in a process of its own, on the machine's clock: its daily retention run
# would remove the finished messages of a list enrolled at the module's fixed moment once
# that is a year behind (it is, on CI's moved clock). Here the list is enrolled at the
# same time as the service sees.
@pytest.mark.clock(datetime.now(ZoneInfo("Europe/London")))
def test_serve_sends_with_the_key_and_never_logs_it(tmp_path):
    path = tmp_path / "o.db"
    db = open_database(str(path))
    cid = warn_and_inform(db, [person(1), person(2), person(3, phone="0161 496 0003")])
    with fake_process("--final-after", "0.2") as fake:
        def done():
            return campaign_messages(db, cid).delivered == 2

        output = _serve(path, {"OUTBOUND_NOTIFY_API_KEY": DEMO_KEY,
                               "OUTBOUND_NOTIFY_URL": fake.url}, done)
        assert len(fake.notifications()) == 2
    assert "Sending the queued messages through GOV.UK Notify" in output
    assert DEMO_KEY[-36:] not in output and DEMO_KEY not in output
    assert campaign_messages(db, cid).delivered == 2
    out = tmp_path / "outcomes.csv"
    assert main(["notify", "outcomes", "--db", str(path), "--campaign", str(cid),
                 "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["channel"], r["message"]) for r in rows] == [
        ("text", "delivered"), ("text", "delivered"), ("", "not sent")]
    db.close()


def test_serve_without_a_key_sends_nothing_and_says_so(tmp_path, monkeypatch):
    path = tmp_path / "o.db"
    db = open_database(str(path))
    cid = warn_and_inform(db, [person(1)])
    started = time.monotonic()
    env = {"OUTBOUND_NOTIFY_API_KEY": "", "PYTHON_KEYRING_BACKEND":
           "keyring.backends.null.Keyring"}
    output = _serve(path, env, lambda: time.monotonic() - started > 8)
    assert "No GOV.UK Notify key on this machine" in output
    assert campaign_messages(db, cid).queued == 1
    db.close()


def test_a_bad_key_or_settings_file_is_one_sentence(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"not a GOV\.UK Notify API key"):
        load_notify_settings(None, {"OUTBOUND_NOTIFY_API_KEY": "letmein"})
    settings = tmp_path / "notify.toml"
    settings.write_text(f'api_key = "{DEMO_KEY}"\n')
    settings.chmod(0o644)
    with pytest.raises(ValueError, match="others may read the file"):
        load_notify_settings(settings, {})
    settings.chmod(0o600)
    loaded = load_notify_settings(settings, {})
    assert loaded.api_key == DEMO_KEY and DEMO_KEY not in repr(loaded)
    path = tmp_path / "o.db"
    assert main(["notify", "test", "--db", str(path), "--to", "0161 496 0000",
                 "--template", "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a"]) == 1
    assert "not a UK mobile number" in capsys.readouterr().err
    assert main(["notify", "test", "--db", str(path), "--to", "07400 123456",
                 "--template", "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a"]) == 0
    assert "Queued test text" in capsys.readouterr().out
