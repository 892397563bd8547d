"""A real PostgreSQL server from the machine's own binaries, no Docker: `initdb` once into a data
directory, then `postgres` as a child process on 127.0.0.1, as `scripts/local_kafka.py` does for
the broker. Used by the fleet runner's production profile and by the test session alike.

    python -m scripts.local_postgres run --port 55432 --data-dir .data/postgres   # until Ctrl-C

The binaries are found from HULEEDU_PG_BIN, else `pg_config --bindir`, else
/usr/lib/postgresql/<newest>/bin. PostgreSQL refuses to run as root, so under root the server
runs as the unprivileged `postgres` user (HULEEDU_PG_OS_USER), which then owns the data dir;
every directory above it must let that user through.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import asyncpg

from common_core.processes import free_port, terminate

SUPERUSER = "huleedu"


def postgres_bin_dir() -> Path:
    """Where initdb and postgres are."""
    if configured := os.environ.get("HULEEDU_PG_BIN"):
        return Path(configured)
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if versions:
        return versions[-1].parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install postgresql or set HULEEDU_PG_BIN"
    )


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(os.environ.get("HULEEDU_PG_OS_USER", "postgres"))


def sqlalchemy_url(port: int, database: str, host: str = "127.0.0.1") -> str:
    """The URL services take as their DATABASE_URL (trust auth on loopback: no password)."""
    return f"postgresql+asyncpg://{SUPERUSER}@{host}:{port}/{database}"


async def create_databases(port: int, names: list[str]) -> None:
    """Create each database that does not exist yet."""
    connection = await asyncpg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, database="postgres"
    )
    try:
        existing = {r[0] for r in await connection.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


class LocalPostgres:
    """One `postgres` process on 127.0.0.1:`port` with its cluster in `data_dir`.

    `durable=False` turns fsync off (test servers: faster, and still safe against a killed
    process, which loses nothing the kernel already has); commits stay synchronous either way,
    so a kill -9 never loses a commit a client was told about.
    """

    def __init__(self, data_dir: Path, port: int | None = None, *, durable: bool = True) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.durable = durable
        self.process: subprocess.Popen[bytes] | None = None
        self._bin = postgres_bin_dir()
        self._user = _server_user()

    def url(self, database: str) -> str:
        return sqlalchemy_url(self.port, database)

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "cluster"

    def _run_as(self) -> dict[str, int]:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid}

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
        if (self.cluster_dir / "PG_VERSION").exists():
            return
        shutil.rmtree(self.cluster_dir, ignore_errors=True)
        subprocess.run(
            [str(self._bin / "initdb"), "-D", str(self.cluster_dir), "-U", SUPERUSER,
             "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            capture_output=True, check=True, **self._run_as(),  # type: ignore[call-overload]
        )  # fmt: skip

    def _command(self) -> list[str]:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.data_dir),
            "max_connections": "200",
            "fsync": "on" if self.durable else "off",
            "full_page_writes": "on" if self.durable else "off",
            "logging_collector": "off",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        return [str(self._bin / "postgres"), "-D", str(self.cluster_dir), *options]

    def start(self, timeout: float = 60.0) -> None:
        """initdb on first use, start the server and wait until it answers a query."""
        self._prepare()
        # A server killed with -9 leaves its pid file; postgres itself checks whether that
        # pid still runs, so a stale file is harmless.
        log = (self.data_dir / "postgres.log").open("ab")
        self.process = subprocess.Popen(  # type: ignore[call-overload]
            self._command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self._run_as(),
        )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = (self.data_dir / "postgres.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"PostgreSQL exited with {self.process.returncode}:\n{tail}")
            if self.accepts_connections():
                return
            time.sleep(0.05)  # polling the server with a deadline
        self.stop()
        raise TimeoutError(f"PostgreSQL on port {self.port} not ready after {timeout}s")

    def accepts_connections(self) -> bool:
        """pg_isready: the server is up and past recovery (an open port is not enough)."""
        ready = subprocess.run(
            [str(self._bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", SUPERUSER, "-d", "postgres", "-t", "2"],
            check=False,
        )  # fmt: skip
        return ready.returncode == 0

    def create_databases(self, names: list[str]) -> None:
        asyncio.run(create_databases(self.port, names))

    def stop(self, timeout: float = 15.0) -> None:
        """SIGINT is PostgreSQL's fast shutdown; SIGKILL if it does not exit in time."""
        if self.process is not None:
            terminate(self.process, timeout, signal.SIGINT)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a server until interrupted")
    run.add_argument("--port", type=int, default=55432)
    run.add_argument("--data-dir", type=Path, default=Path(".data/postgres"))
    run.add_argument("--database", action="append", default=[], help="create if missing")
    args = parser.parse_args(argv)
    server = LocalPostgres(args.data_dir.resolve(), port=args.port)
    started = time.monotonic()
    server.start()
    server.create_databases(args.database)
    example = server.url(args.database[0] if args.database else "postgres")
    elapsed = time.monotonic() - started
    print(f"postgres ready on :{server.port} in {elapsed:.1f}s; e.g. {example}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        assert server.process is not None
        server.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
