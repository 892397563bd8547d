"""What the fleet runs: each service's module, health endpoint and environment.

Ports are the local ports of docs/architecture.md. Every variable set here is a field of that
service's settings class (prefix included); tests/deployment/test_compose_and_images.py checks
both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    """One process of the fleet."""

    name: str
    module: str
    health_url: str
    env: dict[str, str] = field(default_factory=dict)


def fleet_services(
    data_dir: Path, kafka_bootstrap: str, content_token: str = ""
) -> list[ServiceSpec]:
    """The fleet's processes, in start order (identity first: the others verify its tokens),
    with state under `data_dir`; Content Service and its callers share `content_token`."""
    content_url = "http://127.0.0.1:8001"
    identity_db = f"sqlite+aiosqlite:///{data_dir / 'identity.sqlite3'}"
    bos_db = f"sqlite+aiosqlite:///{data_dir / 'bos.sqlite3'}"
    els_db = f"sqlite+aiosqlite:///{data_dir / 'els.sqlite3'}"
    files_db = f"sqlite+aiosqlite:///{data_dir / 'file_service.sqlite3'}"

    def common(prefix: str) -> dict[str, str]:
        return {
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            f"{prefix}LOG_FORMAT": "console",
        }

    def content_token_for(prefix: str) -> dict[str, str]:
        return {f"{prefix}CONTENT_SERVICE_TOKEN": content_token}

    return [
        ServiceSpec(
            "identity_service",
            "services.identity_service.app",
            "http://127.0.0.1:3001/healthz",
            {
                **common("IDENTITY_"),
                "IDENTITY_PORT": "3001",
                "IDENTITY_DATABASE_URL": identity_db,
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
            {**common("BOS_"), "BOS_PORT": "5001", "BOS_DATABASE_URL": bos_db},
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
                "FILE_SERVICE_DATABASE_URL": files_db,
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
                "ELS_DATABASE_URL": els_db,
                "ELS_CONTENT_SERVICE_URL": content_url,
            },
        ),
        ServiceSpec(
            "essay_lifecycle_worker",
            "services.essay_lifecycle_service.worker_main",
            "http://127.0.0.1:9091/metrics",
            {**common("ELS_"), "ELS_METRICS_PORT": "9091", "ELS_DATABASE_URL": els_db},
        ),
        ServiceSpec(
            "spell_checker_service",
            "services.spell_checker_service.worker_main",
            "http://127.0.0.1:8002/metrics",
            {
                **common("SPELL_CHECKER_"),
                **content_token_for("SPELL_CHECKER_"),
                "SPELL_CHECKER_METRICS_PORT": "8002",
                "SPELL_CHECKER_CONTENT_SERVICE_URL": content_url,
            },
        ),
        ServiceSpec(
            "nlp_service",
            "services.nlp_service.worker_main",
            "http://127.0.0.1:8003/metrics",
            {
                **common("NLP_"),
                **content_token_for("NLP_"),
                "NLP_METRICS_PORT": "8003",
                "NLP_CONTENT_SERVICE_URL": content_url,
            },
        ),
        # Last: its health check passes only when every backend behind it is healthy.
        ServiceSpec(
            "api_gateway_service",
            "services.api_gateway_service.app",
            "http://127.0.0.1:4001/healthz",
            {**common("GATEWAY_"), "GATEWAY_PORT": "4001"},
        ),
    ]
