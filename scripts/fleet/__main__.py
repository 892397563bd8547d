"""`pdm run fleet up` runs every service until Ctrl-C; `pdm run fleet demo` runs the demo.

pdm run fleet up                        # broker + topics + services, prints "fleet ready"
pdm run fleet up --profile production   # PostgreSQL, 3 brokers, 2 replicas of each worker
pdm run fleet demo                      # against a running fleet
pdm run fleet demo --start-fleet        # start the fleet, run the demo, stop (make demo)
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from scripts.fleet.demo import DemoSettings, run_demo
from scripts.fleet.demo_teacher import DEMO_EMAIL, demo_credentials
from scripts.fleet.supervisor import Fleet, say
from scripts.fleet.topology import Database, Profile, Topology

WEB_APP_URL = "http://127.0.0.1:4001/"


class FleetSettings(BaseSettings):
    """Runner settings; KAFKA_BOOTSTRAP_SERVERS set means "use that broker, start none";
    CONTENT_SERVICE_TOKEN, if set, is the secret the services share for Content Service
    (else the runner makes a fresh one per start).

    FLEET_PROFILE picks the topology (scripts/fleet/topology.py); FLEET_DATABASE,
    FLEET_KAFKA_BROKERS and FLEET_WORKER_REPLICAS override one part of it.
    """

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str | None = None
    content_service_token: SecretStr | None = None
    # Default: .data, or .data/production for that profile, so switching profiles never mixes
    # a single broker's log dir or SQLite files with the cluster's state.
    fleet_data_dir: Path | None = None
    fleet_profile: Profile = "default"
    fleet_database: Database | None = None
    fleet_kafka_brokers: int | None = None
    fleet_worker_replicas: int | None = None
    # The first broker's port; a cluster's brokers take the next ones (9092-9094).
    fleet_kafka_port: int = 9092
    fleet_postgres_port: int = 55432
    # Where PostgreSQL keeps its cluster (default: <data dir>/postgres).
    fleet_postgres_dir: Path | None = None

    def topology(self) -> Topology:
        return Topology.of(
            self.fleet_profile,
            database=self.fleet_database,
            brokers=self.fleet_kafka_brokers,
            worker_replicas=self.fleet_worker_replicas,
        )

    def data_dir(self) -> Path:
        if self.fleet_data_dir is not None:
            return self.fleet_data_dir
        return Path(".data") if self.fleet_profile == "default" else Path(".data") / "production"


def build_fleet(settings: FleetSettings, echo_logs: bool = True) -> Fleet:
    return Fleet(
        settings.data_dir(),
        kafka_bootstrap=settings.kafka_bootstrap_servers,
        kafka_port=settings.fleet_kafka_port,
        topology=settings.topology(),
        postgres_dir=settings.fleet_postgres_dir,
        postgres_port=settings.fleet_postgres_port,
        echo_logs=echo_logs,
        content_token=(
            settings.content_service_token.get_secret_value()
            if settings.content_service_token
            else None
        ),
    )


def web_app_login(data_dir: Path) -> str:
    """Where the teacher web app is and how the demo teacher logs in to it."""
    credentials = demo_credentials(data_dir)
    login = f"{credentials[0]}, password {credentials[1]}" if credentials else DEMO_EMAIL
    return f"web app: {WEB_APP_URL} (log in as {login})"


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def up(settings: FleetSettings) -> int:
    fleet = build_fleet(settings)
    waiter = asyncio.create_task(_until_signalled())
    try:
        starting = asyncio.create_task(fleet.start())
        done, _ = await asyncio.wait({starting, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if starting in done:
            starting.result()
            say(
                f"fleet ready ({fleet.topology.describe()}): web app and API :4001, "
                "identity :3001, content :8001, file :7001, BOS :5001, ELS API :6001 "
                "(Ctrl-C stops)"
            )
            say(web_app_login(fleet.data_dir))
            await waiter
        else:
            starting.cancel()
        say("stopping")
        return 0
    finally:
        await fleet.stop()


def demo_settings(settings: FleetSettings) -> DemoSettings:
    """The demo's settings; it finds the demo teacher in the fleet's data directory."""
    demo = DemoSettings()
    if demo.data_dir is None:
        demo.data_dir = settings.data_dir()
    return demo


async def demo(settings: FleetSettings, start_fleet: bool) -> int:
    if not start_fleet:
        return await run_demo(demo_settings(settings))
    # The service logs go to files only: the terminal is the demo's.
    fleet = build_fleet(settings, echo_logs=False)
    try:
        await fleet.start()
        say("fleet ready")
        say(f"{web_app_login(fleet.data_dir)}; the fleet stops when the demo ends")
        code = await run_demo(demo_settings(settings))
        say(f"service logs: {fleet.log_dir}; `make up` keeps the fleet and the web app running")
        return code
    finally:
        await fleet.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleet", description="Run the HuleEdu fleet locally.")
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start everything in the foreground until Ctrl-C")
    demo_parser = sub.add_parser("demo", help="register, upload and report two sample batches")
    demo_parser.add_argument(
        "--start-fleet", action="store_true", help="start the fleet first and stop it afterwards"
    )
    for each in (up_parser, demo_parser):
        each.add_argument(
            "--profile", choices=["default", "production"], help="topology (FLEET_PROFILE)"
        )
    args = parser.parse_args(argv)
    settings = FleetSettings()
    if args.profile:
        settings = settings.model_copy(update={"fleet_profile": args.profile})
    if args.command == "up":
        return asyncio.run(up(settings))
    return asyncio.run(demo(settings, args.start_fleet))


if __name__ == "__main__":
    sys.exit(main())
