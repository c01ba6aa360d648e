"""A private PostgreSQL cluster that checks passwords (SCRAM), for tests about signing in.

The main test server trusts every local connection, so it cannot show that a wrong
password is refused. This module makes a throwaway cluster in a temporary folder with
``initdb --auth=scram-sha-256``, starts it with ``pg_ctl`` on a free port of 127.0.0.1,
and removes it again. Each pytest-xdist worker makes its own (the folder and the port are
its own), and only when a test asks for the ``scram_cluster`` fixture.

PostgreSQL refuses to run as root, so as root the programs run as the ``postgres`` user,
which owns the folder. They run without libfaketime: when the suite runs on a moved clock
the server keeps the real one, as the main test server does.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

HOST = "127.0.0.1"
SUPERUSER = "outbound_scram_admin"
START_ATTEMPTS = 3
COMMAND_TIMEOUT_S = 60
START_TIMEOUT_S = 30


class ClusterUnavailable(Exception):
    """The cluster cannot be made here; the message says why, in one sentence."""


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: ``pg_config --bindir``, else the
    newest /usr/lib/postgresql/*/bin, else the PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=COMMAND_TIMEOUT_S, env=_clean_env())
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=version, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _clean_env() -> dict[str, str]:
    """The environment for the PostgreSQL programs: no libfaketime (the server keeps the
    real clock), no PG* settings of the caller's, and English messages."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FAKETIME", "PG")) and key != "DONT_FAKE_MONOTONIC"}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").replace(":", " ").split()
               if "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _traversable_by_others(folder: Path) -> bool:
    """Whether every folder from / down to ``folder`` lets another user pass through."""
    return all(os.stat(part).st_mode & 0o001 for part in [folder, *folder.parents])


class ScramCluster:
    """A running private cluster. Use :meth:`start`, then :meth:`stop`."""

    host = HOST
    superuser = SUPERUSER

    def __init__(self, bindir: Path, folder: Path, run_as: pwd.struct_passwd | None) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = 0
        self.superuser_password = (
            # Characters a URL must percent-encode, so url() is shown to encode them.
            "Sc/ram:@%" + secrets.token_urlsafe(18))
        self._run_as = run_as

    # --- for tests -----------------------------------------------------------------

    def url(self, database: str = "postgres", user: str | None = None,
            password: str | None = None) -> str:
        """A ``postgresql://`` URL. Without ``user`` it is the superuser's, with the
        superuser's password unless ``password`` is given; with ``user`` and no
        ``password`` the URL carries no password."""
        if user is None:
            user = self.superuser
            if password is None:
                password = self.superuser_password
        credentials = quote(user, safe="")
        if password is not None:
            credentials += ":" + quote(password, safe="")
        return f"postgresql://{credentials}@{self.host}:{self.port}/{quote(database, safe='')}"

    def connect(self, database: str = "postgres", **kwargs: object) -> psycopg.Connection:
        """A psycopg connection as the superuser, in autocommit."""
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10,
                               **kwargs)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """A new empty database ``name`` (a previous one of that name is dropped first);
        returns its URL for the superuser."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    # --- making and removing it ----------------------------------------------------

    @classmethod
    def start(cls) -> ScramCluster:
        """Make and start a cluster, or raise ClusterUnavailable saying why not."""
        bindir = find_bindir()
        if bindir is None:
            raise ClusterUnavailable(
                "the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed "
                "(apt-get install postgresql)")
        run_as = None
        if os.geteuid() == 0:
            try:
                run_as = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterUnavailable(
                    "PostgreSQL will not run as root, and there is no 'postgres' user "
                    "to run it as") from None
        parent = Path(tempfile.gettempdir())
        if run_as is not None and not _traversable_by_others(parent):
            parent = Path("/tmp")
        folder = Path(tempfile.mkdtemp(prefix="outbound-scram-", dir=parent))
        cluster = cls(bindir, folder, run_as)
        try:
            cluster._init()
            cluster._start()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the folder. Never raises."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run([self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate",
                           "-w", "-t", str(START_TIMEOUT_S), "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, args: list[object]) -> subprocess.CompletedProcess[str]:
        extra: dict[str, object] = {}
        if self._run_as is not None:
            extra = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid,
                     "extra_groups": []}
        env = _clean_env()
        if self._run_as is not None:
            env.update(HOME=self._run_as.pw_dir, USER="postgres", LOGNAME="postgres")
        return subprocess.run(
            [str(arg) for arg in args], cwd=self.folder, env=env, capture_output=True,
            text=True, timeout=COMMAND_TIMEOUT_S, stdin=subprocess.DEVNULL,
            **extra)  # type: ignore[call-overload]

    def _init(self) -> None:
        pwfile = self.folder / "superuser-password"
        pwfile.write_text(self.superuser_password + "\n")
        pwfile.chmod(0o600)
        if self._run_as is not None:
            for path in (self.folder, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            done = self._run([
                self.bindir / "initdb", "-D", self.data, "--auth=scram-sha-256",
                f"--pwfile={pwfile}", "-U", self.superuser, "--no-sync", "--no-instructions",
                "--encoding=UTF8", "--locale=C",
            ])
        except (OSError, subprocess.SubprocessError) as exc:
            raise ClusterUnavailable(f"initdb could not run: {exc}") from None
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise ClusterUnavailable(
                f"initdb failed ({done.returncode}): {_tail(done.stderr or done.stdout)}")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Outbound tests: a small, fast, throwaway server.\n"
                f"listen_addresses = '{HOST}'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "password_encryption = 'scram-sha-256'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "shared_buffers = 16MB\n"
                "max_connections = 40\n"
                "max_wal_senders = 0\n"
                "wal_level = minimal\n"
                "logging_collector = off\n"
            )

    def _start(self) -> None:
        problem = "the server did not start"
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            try:
                done = self._run([
                    self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-w",
                    "-t", str(START_TIMEOUT_S), "-o", f"-p {self.port}", "start",
                ])
            except (OSError, subprocess.SubprocessError) as exc:
                raise ClusterUnavailable(f"pg_ctl could not run: {exc}") from None
            if done.returncode == 0:
                return
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            problem = _tail(log or done.stderr or done.stdout)
            if "could not bind" not in log and "already in use" not in log:
                break  # Not a port another process took meanwhile: trying again won't help.
        raise ClusterUnavailable(f"pg_ctl could not start the server: {problem}")


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "no message"
