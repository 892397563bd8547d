"""Static checks of docker-compose.yml, the one Dockerfile, .dockerignore and the CI workflow.

No Docker engine runs on these machines, so these tests read the files and check what goes
wrong in practice: a missing service, an env var no settings class reads, a port mismatch, a
wrong depends_on condition, an unreachable advertised listener, a dependency missing in an image.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata as metadata
import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from common_core.config import ServiceSettings
from scripts.fleet.services import fleet_services

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expected:
    """What the contract (docs/architecture.md) fixes about one service."""

    folder: str
    module: str
    local_port: int
    container_port: int
    prefix: str
    extra: str
    port_field: str  # the settings field holding the served port


DESIGN = {
    "identity_service": Expected(
        "identity_service", "services.identity_service.app", 3001, 3000, "IDENTITY_", "identity",
        "port",
    ),
    "content_service": Expected(
        "content_service", "services.content_service.app", 8001, 8000, "CONTENT_SERVICE_",
        "content", "port",
    ),
    "file_service": Expected(
        "file_service", "services.file_service.app", 7001, 7000, "FILE_SERVICE_", "file", "port"
    ),
    "batch_orchestrator_service": Expected(
        "batch_orchestrator_service", "services.batch_orchestrator_service.app", 5001, 5000,
        "BOS_", "bos", "port",
    ),
    "essay_lifecycle_api": Expected(
        "essay_lifecycle_service", "services.essay_lifecycle_service.app", 6001, 6000,
        "ELS_", "els", "port",
    ),
    "essay_lifecycle_worker": Expected(
        "essay_lifecycle_service", "services.essay_lifecycle_service.worker_main", 9091, 9091,
        "ELS_", "els", "metrics_port",
    ),
    "spell_checker_service": Expected(
        "spell_checker_service", "services.spell_checker_service.worker_main", 8002, 8002,
        "SPELL_CHECKER_", "spell", "metrics_port",
    ),
    "api_gateway_service": Expected(
        "api_gateway_service", "services.api_gateway_service.app", 4001, 4000, "GATEWAY_",
        "gateway", "port",
    ),
    "nlp_service": Expected(
        "nlp_service", "services.nlp_service.worker_main", 8003, 8003, "NLP_", "nlp",
        "metrics_port",
    ),
}  # fmt: skip


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def service(name: str) -> dict[str, Any]:
    svc: dict[str, Any] = compose()["services"][name]
    return svc


def settings_fields(folder: str, prefix: str) -> set[str]:
    """Field names of the service's settings classes that use `prefix`."""
    module = importlib.import_module(f"services.{folder}.config")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, ServiceSettings) and obj is not ServiceSettings
    ]
    matching = [c for c in classes if c.model_config.get("env_prefix") == prefix]
    assert matching, f"no settings class with env_prefix {prefix!r} in {module.__name__}"
    return {name for cls in matching for name in cls.model_fields}


def dockerfile() -> str:
    """The one Dockerfile every service image is built from."""
    return (ROOT / "Dockerfile").read_text()


def image_args(name: str) -> dict[str, str]:
    """The build arguments of the image a compose service runs (ELS's worker runs the API's)."""
    svc = service(name)
    if "build" not in svc:
        name = next(
            other
            for other, spec in compose()["services"].items()
            if spec.get("image") == svc["image"] and "build" in spec
        )
        svc = service(name)
    args: dict[str, str] = {key: str(value) for key, value in svc["build"]["args"].items()}
    return args


def builds_itself(name: str) -> bool:
    """True when the compose service builds its own image (not one built for another)."""
    return "build" in service(name)


def test_every_design_service_and_the_infrastructure_is_in_compose() -> None:
    names = set(compose()["services"])
    assert set(DESIGN) | {"kafka", "kafka_topic_setup", "postgres"} <= names


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_env_vars_are_fields_of_the_settings_class(name: str) -> None:
    expected = DESIGN[name]
    fields = settings_fields(expected.folder, expected.prefix)
    for key in service(name).get("environment", {}):
        assert key.startswith(expected.prefix), f"{name}: {key} lacks prefix {expected.prefix}"
        assert key.removeprefix(expected.prefix).lower() in fields, f"{name}: {key} is unread"


@pytest.mark.parametrize("spec", fleet_services(Path("/tmp/x"), "k:1"), ids=lambda s: s.name)
def test_fleet_runner_env_vars_are_fields_of_the_settings_class(spec: Any) -> None:
    expected = DESIGN[spec.name]
    fields = settings_fields(expected.folder, expected.prefix)
    assert spec.module == expected.module
    for key in spec.env:
        assert key.removeprefix(expected.prefix).lower() in fields, f"{spec.name}: {key}"


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_ports_agree_with_design_settings_and_images(name: str) -> None:
    expected = DESIGN[name]
    svc = service(name)
    env = svc.get("environment", {})
    port_var = f"{expected.prefix}{expected.port_field.upper()}"
    assert int(env[port_var]) == expected.container_port
    if expected.port_field == "port":  # HTTP services publish their port on the host
        assert f"{expected.local_port}:{expected.container_port}" in svc["ports"]
    if builds_itself(name):  # the image's own port: what its default healthcheck asks
        assert int(image_args(name)["PORT"]) == expected.container_port
    health = " ".join(svc["healthcheck"]["test"])
    assert f"127.0.0.1:{expected.container_port}/" in health
    assert env[f"{expected.prefix}HOST"] == "0.0.0.0"  # reachable from other containers


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_commands_exist(name: str) -> None:
    expected = DESIGN[name]
    command = service(name).get("command")
    if command is None:  # the image's default: python -m $MODULE (see the Dockerfile's CMD)
        assert 'exec python -m \\"$SERVICE_MODULE\\"' in dockerfile()
        command = ["python", "-m", image_args(name)["MODULE"]]
    assert command[:2] == ["python", "-m"]
    assert command[2] == expected.module
    assert importlib.util.find_spec(command[2]) is not None


def test_els_api_and_worker_share_one_image() -> None:
    api, worker = service("essay_lifecycle_api"), service("essay_lifecycle_worker")
    assert api["image"] == worker["image"]
    assert "build" in api and "build" not in worker


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_every_service_waits_for_topic_setup(name: str) -> None:
    depends = service(name)["depends_on"]
    assert depends["kafka_topic_setup"]["condition"] == "service_completed_successfully"
    assert service(name)["restart"] == "unless-stopped"


def test_infrastructure_dependencies() -> None:
    setup = service("kafka_topic_setup")
    assert setup["restart"] == "no"
    assert setup["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "healthcheck" in service("kafka") and "healthcheck" in service("postgres")
    databased = (
        "batch_orchestrator_service", "essay_lifecycle_api", "essay_lifecycle_worker",
        "identity_service", "file_service",
    )  # fmt: skip
    for name in databased:
        assert service(name)["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = service(name)["environment"][f"{DESIGN[name].prefix}DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    bos_db = service("batch_orchestrator_service")["environment"]["BOS_DATABASE_URL"]
    els_db = service("essay_lifecycle_api")["environment"]["ELS_DATABASE_URL"]
    assert bos_db.rsplit("/", 1)[1] != els_db.rsplit("/", 1)[1], "BOS and ELS share tables"
    init = (ROOT / "deploy" / "postgres" / "init.sql").read_text()
    identity_db = service("identity_service")["environment"]["IDENTITY_DATABASE_URL"]
    files_db = service("file_service")["environment"]["FILE_SERVICE_DATABASE_URL"]
    databases = (bos_db, els_db, identity_db, files_db)
    assert len({url.rsplit("/", 1)[1] for url in databases}) == len(databases)
    for db in databases:
        assert f"CREATE DATABASE {db.rsplit('/', 1)[1]};" in init


def test_kafka_advertised_listener_is_reachable_inside_the_network() -> None:
    env = service("kafka")["environment"]
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(listeners) <= set(protocols)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    internal = advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]]
    assert internal.split(":")[0] == "kafka"  # the compose service name resolves in the network
    bootstraps = {
        value
        for name in DESIGN
        for key, value in service(name).get("environment", {}).items()
        if key.endswith("KAFKA_BOOTSTRAP_SERVERS")
    } | {service("kafka_topic_setup")["environment"]["KAFKA_BOOTSTRAP_SERVERS"]}
    assert bootstraps == {internal}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 1


def _requirement_closure(extra: str) -> set[str]:
    """Distributions (normalised names) that `pdm install -G extra` puts in the image."""
    seen: set[str] = set()
    pending = [(r, extra) for r in metadata.requires("huleedu-fleet") or []]
    while pending:
        raw, active_extra = pending.pop()
        req = Requirement(raw)
        if req.marker and not req.marker.evaluate({"extra": active_extra}):
            continue
        name = req.name.lower().replace("_", "-")
        if name == "huleedu-fleet":
            pending += [(r, e) for e in req.extras for r in metadata.requires(name) or []]
            continue
        if name in seen:
            continue
        seen.add(name)
        deps = metadata.requires(name) or []
        pending += [(r, e) for e in ["", *sorted(req.extras)] for r in deps]
    return seen


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _third_party_imports(folder: Path) -> set[str]:
    """Top-level third-party modules imported by a service, following its common_core imports."""
    files = [p for p in folder.rglob("*.py") if "tests" not in p.relative_to(ROOT).parts]
    seen_files: set[Path] = set()
    found: set[str] = set()
    while files:
        path = files.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "common_core":
                module = ROOT / Path(*name.split("."))
                files += [
                    p for p in (module.with_suffix(".py"), module / "__init__.py") if p.exists()
                ]
            elif top not in {"services", "scripts", "tests"} and top not in sys.stdlib_module_names:
                found.add(top)
    return found


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_every_import_of_a_service_is_installed_in_its_image(name: str) -> None:
    expected = DESIGN[name]
    installed = _requirement_closure(expected.extra)
    dist_of = metadata.packages_distributions()
    imports = _third_party_imports(ROOT / "services" / expected.folder)
    assert image_args(name)["PDM_GROUP"] == expected.extra
    assert image_args(name)["SERVICE"] == expected.folder
    for module in sorted(imports):
        dists = {d.lower().replace("_", "-") for d in dist_of.get(module, [module])}
        assert dists & installed, f"{name} imports {module}, not installed by -G {expected.extra}"


def test_one_dockerfile_runs_every_service_as_non_root_with_a_healthcheck() -> None:
    text = dockerfile()
    assert text.startswith("# syntax=docker/dockerfile")
    assert "FROM python:3.11-slim" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "HEALTHCHECK" in text
    assert "--frozen-lockfile" in text and "--prod" in text
    assert '-G "$PDM_GROUP"' in text
    assert not sorted((ROOT / "services").glob("*/Dockerfile")), "one Dockerfile, at the root"
    for name in DESIGN:
        if builds_itself(name):
            build = service(name)["build"]
            assert build["context"] == "." and build.get("dockerfile", "Dockerfile") == "Dockerfile"
            assert set(build["args"]) >= {"SERVICE", "PDM_GROUP", "MODULE", "PORT"}


def test_the_spell_checker_image_carries_its_lexicon_cache() -> None:
    # Built at start-up instead, the cache costs ~75 s of CPU: longer than the healthcheck waits.
    warm = image_args("spell_checker_service").get("WARM_MODULE")
    assert warm == "services.spell_checker_service.lexicon"
    module = ROOT / Path(*warm.split(".")).with_suffix(".py")
    assert 'if __name__ == "__main__"' in module.read_text()
    text = dockerfile()
    user_at = re.search(r"^USER ", text, re.M)
    warm_at = text.find('python -m "$WARM_MODULE"')
    assert user_at is not None and warm_at > user_at.start(), "warmed as the user that runs it"


def test_the_spell_checker_image_compiles_its_lookups_in_the_build_stage() -> None:
    native = image_args("spell_checker_service").get("NATIVE_MODULE")
    assert native == "services.spell_checker_service.build_native"
    text = dockerfile()
    build, final = text.split("\nFROM python:3.11-slim\n")
    assert "AS build" in build and 'python -m "$NATIVE_MODULE"' in build
    assert "gcc" in build and "gcc" not in final, "the compiler stays in the build stage"
    assert "COPY --from=build /app/services/${SERVICE} services/${SERVICE}" in final
    # A module compiled on a developer's machine must not reach the image.
    assert "**/*.so" in (ROOT / ".dockerignore").read_text().split()


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".tools", ".data", "**/__pycache__", ".pytest_cache"):
        assert entry in ignored


def test_smoke_workflow_builds_with_cache_waits_and_tears_down() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "smoke.yml").read_text())
    steps = workflow["jobs"]["compose-smoke"]["steps"]
    text = yaml.safe_dump(steps)
    assert "docker/setup-buildx-action" in text
    assert "type=gha" in text
    assert "docker compose up" in text and "--wait" in text
    assert "tests/smoke/run_core_flow_smoke_test.py" in text
    teardown = [s for s in steps if "docker compose down" in str(s.get("run", ""))]
    assert teardown and teardown[0]["if"] == "always()"
    smoke_env = next(s for s in steps if "run_core_flow_smoke_test" in str(s.get("run", "")))["env"]
    for name, var in [
        ("batch_orchestrator_service", "SMOKE_BOS_URL"),
        ("file_service", "SMOKE_FILE_URL"),
    ]:
        assert smoke_env[var].endswith(f":{DESIGN[name].local_port}")


CONTENT_CALLERS = (
    "content_service",
    "file_service",
    "essay_lifecycle_api",
    "spell_checker_service",
    "nlp_service",
)


@pytest.mark.parametrize("name", CONTENT_CALLERS)
def test_content_service_and_its_callers_share_the_generated_token(name: str) -> None:
    secrets_setup = service("service_secrets")
    assert secrets_setup["restart"] == "no"
    assert secrets_setup["image"] == service("kafka_topic_setup")["image"]
    path = secrets_setup["command"][secrets_setup["command"].index("scripts.service_secret") + 1]
    assert "service_secrets:/run/huleedu" in secrets_setup["volumes"]
    svc = service(name)
    env = svc["environment"]
    assert env[f"{DESIGN[name].prefix}CONTENT_SERVICE_TOKEN_FILE"] == path
    assert "service_secrets:/run/huleedu:ro" in svc["volumes"]
    assert svc["depends_on"]["service_secrets"]["condition"] == "service_completed_successfully"
    assert not any(key.endswith("CONTENT_SERVICE_TOKEN") for key in env), "no secret in the file"
    setup_image = (ROOT / "scripts" / "Dockerfile.kafka_topic_setup").read_text()
    assert "scripts/service_secret.py" in setup_image


def test_the_fleet_runner_gives_every_content_caller_the_same_token() -> None:
    specs = {s.name: s for s in fleet_services(Path("/tmp/x"), "k:1", "fleet-secret")}
    for name in CONTENT_CALLERS:
        prefix = DESIGN[name].prefix
        assert specs[name].env[f"{prefix}CONTENT_SERVICE_TOKEN"] == "fleet-secret", name


TOKEN_CHECKERS = ("batch_orchestrator_service", "file_service", "essay_lifecycle_api")


@pytest.mark.parametrize("name", TOKEN_CHECKERS)
def test_teacher_facing_services_verify_tokens_from_identitys_jwks(name: str) -> None:
    svc = service(name)
    url = svc["environment"][f"{DESIGN[name].prefix}IDENTITY_JWKS_URL"]
    identity_port = service("identity_service")["environment"]["IDENTITY_PORT"]
    assert url == f"http://identity_service:{identity_port}/v1/auth/jwks.json"
