"""A throwaway PostgreSQL cluster for the archive tests: initdb and pg_ctl on a free local port.

The server refuses to run as root, so under root (CI) initdb and pg_ctl run as the `postgres`
user (the one Debian's package makes), or a user made for the session and removed after it.
Where PostgreSQL is not installed, the tests that need it are skipped, saying so.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from itertools import count

import pytest

SKIP = ("PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin): the archive "
        "tests on PostgreSQL are skipped; `.ci/run` installs it")
_OWN_USER = "xltools-pg"


def binaries() -> str | None:
    """Return the folder of initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    folders = [os.path.dirname(os.path.realpath(found))] if found else []
    folders += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(f.split("/")[-2]), reverse=True)
    return next((f for f in folders if all(os.access(os.path.join(f, n), os.X_OK) for n in ("initdb", "pg_ctl"))),
                None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    port: int
    folder: str
    _names: count

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://xltools@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Return the URL of a new empty database."""
        import psycopg

        name = f"archive_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_cluster():
    folder_of = binaries()
    if folder_of is None:
        pytest.skip(SKIP)
    made_user = None
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _OWN_USER],
                           check=True, capture_output=True)
            user = made_user = _OWN_USER
        prefix = ["runuser", "-u", user, "--"]
        owner = pwd.getpwnam(user)
    folder = tempfile.mkdtemp(prefix="xltools-pg-")
    if prefix:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = os.path.join(folder, "data")
    port = _free_port()
    try:
        try:
            subprocess.run([*prefix, os.path.join(folder_of, "initdb"), "-D", data, "-U", "xltools", "-A", "trust",
                            "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True, cwd=folder)
            subprocess.run([*prefix, os.path.join(folder_of, "pg_ctl"), "-D", data, "-l",
                            os.path.join(folder, "log"), "-w", "-o", f"-p {port} -h 127.0.0.1 -k {folder} -F",
                            "start"], check=True, capture_output=True, cwd=folder)  # cwd: one its user may enter
        except subprocess.CalledProcessError as exc:
            log = os.path.join(folder, "log")
            tail = open(log, encoding="utf-8", errors="replace").read()[-2000:] if os.path.exists(log) else ""
            pytest.fail(f"the throwaway PostgreSQL did not start: {exc.cmd}: {exc.stderr!r} {tail}")
        yield Cluster(port, folder, count(1))
    finally:
        subprocess.run([*prefix, os.path.join(folder_of, "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)
        if made_user:
            subprocess.run(["userdel", made_user], capture_output=True)
