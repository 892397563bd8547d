"""What the fleet runs: each service's module, health endpoint and environment.

Ports are the local ports of docs/architecture.md. Every variable set here is a field of that
service's settings class (prefix included); tests/deployment/test_compose_parity.py checks both
agree.

Kafka workers are declared with `kafka_worker(...)`: with N replicas the fleet runs N copies in
the worker's consumer group, the first under the worker's name and metrics port, replica k as
`<name>-k` with metrics port + 100 * (k - 1). A new worker is one more `kafka_worker` line.
Services with a database name it in `DATABASES`; the fleet gives each its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

# One database per service that owns state (SQLite file or PostgreSQL database of this name).
DATABASES = ["identity", "bos", "els", "files"]
REPLICA_PORT_STEP = 100


@dataclass(frozen=True)
class ServiceSpec:
    """One process of the fleet."""

    name: str
    module: str
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    # A Kafka worker: (settings variable of its metrics port, the port). Replicable.
    metrics_port: tuple[str, int] | None = None

    def replica(self, number: int) -> ServiceSpec:
        """Replica `number` (2, 3, ...) of a Kafka worker: own name and metrics port."""
        assert self.metrics_port is not None, f"{self.name} is not a Kafka worker"
        variable, port = self.metrics_port
        port += REPLICA_PORT_STEP * (number - 1)
        return replace(
            self,
            name=f"{self.name}-{number}",
            health_url=f"http://127.0.0.1:{port}/metrics",
            env={**self.env, variable: str(port)},
            metrics_port=(variable, port),
        )


def kafka_worker(
    name: str, module: str, prefix: str, port: int, env: dict[str, str]
) -> ServiceSpec:
    """A Kafka worker whose health is its metrics endpoint on `port`."""
    variable = f"{prefix}METRICS_PORT"
    return ServiceSpec(
        name,
        module,
        f"http://127.0.0.1:{port}/metrics",
        {**env, variable: str(port)},
        metrics_port=(variable, port),
    )


def sqlite_databases(data_dir: Path) -> Callable[[str], str]:
    """Database URLs of the default profile: one SQLite file per database under `data_dir`."""
    return lambda name: f"sqlite+aiosqlite:///{data_dir / f'{name}.sqlite3'}"


def fleet_services(
    data_dir: Path,
    kafka_bootstrap: str,
    content_token: str = "",
    database_url: Callable[[str], str] | None = None,
    worker_replicas: int = 1,
) -> list[ServiceSpec]:
    """Every process, in start order (identity first: the others verify its tokens), with
    state under `data_dir`; Content Service and its callers share `content_token`."""
    content_url = "http://127.0.0.1:8001"
    db = database_url or sqlite_databases(data_dir)

    def common(prefix: str) -> dict[str, str]:
        return {
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            f"{prefix}LOG_FORMAT": "console",
        }

    def content_token_for(prefix: str) -> dict[str, str]:
        return {f"{prefix}CONTENT_SERVICE_TOKEN": content_token}

    services = [
        ServiceSpec(
            "identity_service",
            "services.identity_service.app",
            "http://127.0.0.1:3001/healthz",
            {
                **common("IDENTITY_"),
                "IDENTITY_PORT": "3001",
                "IDENTITY_DATABASE_URL": db("identity"),
                # The gateway forwards logins from 127.0.0.1 with X-Forwarded-For.
                "IDENTITY_TRUSTED_PROXIES": '["127.0.0.1"]',
            },
        ),
        ServiceSpec(
            "content_service",
            "services.content_service.app",
            f"{content_url}/healthz",
            {
                **common("CONTENT_SERVICE_"),
                **content_token_for("CONTENT_SERVICE_"),
                "CONTENT_SERVICE_PORT": "8001",
                "CONTENT_SERVICE_CONTENT_STORE_ROOT": str(data_dir / "content"),
            },
        ),
        ServiceSpec(
            "batch_orchestrator_service",
            "services.batch_orchestrator_service.app",
            "http://127.0.0.1:5001/healthz",
            {**common("BOS_"), "BOS_PORT": "5001", "BOS_DATABASE_URL": db("bos")},
        ),
        ServiceSpec(
            "file_service",
            "services.file_service.app",
            "http://127.0.0.1:7001/healthz",
            {
                **common("FILE_SERVICE_"),
                **content_token_for("FILE_SERVICE_"),
                "FILE_SERVICE_PORT": "7001",
                "FILE_SERVICE_CONTENT_SERVICE_URL": content_url,
                "FILE_SERVICE_BOS_URL": "http://127.0.0.1:5001",
                "FILE_SERVICE_DATABASE_URL": db("files"),
            },
        ),
        ServiceSpec(
            "essay_lifecycle_api",
            "services.essay_lifecycle_service.app",
            "http://127.0.0.1:6001/healthz",
            {
                **common("ELS_"),
                **content_token_for("ELS_"),
                "ELS_PORT": "6001",
                "ELS_DATABASE_URL": db("els"),
                "ELS_CONTENT_SERVICE_URL": content_url,
            },
        ),
        kafka_worker(
            "essay_lifecycle_worker",
            "services.essay_lifecycle_service.worker_main",
            "ELS_",
            9091,
            {**common("ELS_"), "ELS_DATABASE_URL": db("els")},
        ),
        kafka_worker(
            "spell_checker_service",
            "services.spell_checker_service.worker_main",
            "SPELL_CHECKER_",
            8002,
            {
                **common("SPELL_CHECKER_"),
                **content_token_for("SPELL_CHECKER_"),
                "SPELL_CHECKER_CONTENT_SERVICE_URL": content_url,
            },
        ),
        kafka_worker(
            "nlp_service",
            "services.nlp_service.worker_main",
            "NLP_",
            8003,
            {
                **common("NLP_"),
                **content_token_for("NLP_"),
                "NLP_CONTENT_SERVICE_URL": content_url,
            },
        ),
    ]
    gateway = ServiceSpec(
        "api_gateway_service",
        "services.api_gateway_service.app",
        "http://127.0.0.1:4001/healthz",
        {**common("GATEWAY_"), "GATEWAY_PORT": "4001"},
    )
    replicas = [
        spec.replica(number)
        for spec in services
        if spec.metrics_port is not None
        for number in range(2, worker_replicas + 1)
    ]
    # The gateway last: its health check passes only when every backend behind it is healthy.
    return [*services, *replicas, gateway]
