"""docker-compose.yml and the fleet runner cannot drift from the code's settings.

For every compose service that runs our code (found from its command or its image's CMD, so a
new service is covered without editing this file) and for every process of the fleet runner in
both profiles: each environment variable given is a setting the process reads, and each setting
it reads without a default is given.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings, SettingsConfigDict

from common_core.config import ServiceSettings
from scripts.fleet.services import fleet_services
from scripts.fleet.topology import Topology

ROOT = Path(__file__).resolve().parents[2]


@cache
def compose_services() -> dict[str, dict[str, Any]]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, dict[str, Any]] = loaded["services"]
    return services


def command_of(service: dict[str, Any]) -> list[str] | None:
    """The compose command, else what its image runs: the MODULE build argument of the one
    service Dockerfile (an image built for another service: that one's), else the CMD of the
    Dockerfile it builds. None: not an image of ours."""
    if "command" in service:
        command: list[str] = service["command"]
        return command
    build = service.get("build")
    if build is None and "image" in service:
        build = next(
            (
                other["build"]
                for other in compose_services().values()
                if other.get("image") == service["image"] and "build" in other
            ),
            None,
        )
    if build is None:
        return None
    if "MODULE" in build.get("args", {}):
        return ["python", "-m", str(build["args"]["MODULE"])]
    dockerfile = (
        ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
    ).read_text()
    found = re.findall(r"^CMD (.+)$", dockerfile, re.M)
    return list(ast.literal_eval(found[-1])) if found else None


def settings_classes(module: str) -> list[type[BaseSettings]]:
    """The settings classes a process started as `python -m module` reads: a script's own, a
    service's from its config.py."""
    if module.startswith("scripts."):
        script = importlib.import_module(module)
        return [
            obj
            for obj in vars(script).values()
            if isinstance(obj, type) and issubclass(obj, BaseSettings) and obj.__module__ == module
        ]
    package = module.rsplit(".", 1)[0]
    config = importlib.import_module(f"{package}.config")
    return [
        obj
        for obj in vars(config).values()
        if isinstance(obj, type) and issubclass(obj, ServiceSettings) and obj is not ServiceSettings
    ]


def variable_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Environment variable (upper case) -> field name, as pydantic-settings reads them."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = {}
    for name, field in cls.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names[(alias or f"{prefix}{name}").upper()] = name
    return names


def check_environment(
    process: str, classes: list[type[BaseSettings]], environment: dict[str, Any]
) -> None:
    """Every given variable is read by a setting; every setting without a default is given."""
    assert classes, f"{process}: no settings class"
    given = {key.upper() for key in environment}
    readable = {var for cls in classes for var in variable_names(cls)}
    assert given <= readable, f"{process}: {sorted(given - readable)} are read by no setting"
    for cls in classes:
        for variable, name in variable_names(cls).items():
            if cls.model_fields[name].is_required():
                assert variable in given, f"{process}: required {variable} is not given"


def our_compose_services() -> list[tuple[str, str]]:
    """(compose service, module) for every service that runs `python -m <our module>`."""
    found = []
    for name, service in compose_services().items():
        command = command_of(service)
        if command and command[:2] == ["python", "-m"]:
            module = command[2]
            if module.startswith(("services.", "scripts.")):
                found.append((name, module))
    return found


def test_compose_runs_every_service_the_fleet_runs() -> None:
    modules = {module for _, module in our_compose_services()}
    assert {spec.module for spec in fleet_services(Path("/tmp/x"), "k:1")} <= modules


@pytest.mark.parametrize(("name", "module"), our_compose_services(), ids=lambda v: str(v))
def test_compose_environment_matches_the_settings(name: str, module: str) -> None:
    environment = compose_services()[name].get("environment") or {}
    check_environment(name, settings_classes(module), environment)


@pytest.mark.parametrize("profile", ["default", "production"])
def test_fleet_runner_environment_matches_the_settings(profile: str) -> None:
    topology = Topology.of("production" if profile == "production" else "default")
    specs = fleet_services(
        Path("/tmp/x"),
        "k:1",
        content_token="secret",
        database_url=(
            (lambda db: f"postgresql+asyncpg://u@h:1/{db}")
            if topology.database == "postgresql"
            else None
        ),
        worker_replicas=topology.worker_replicas,
    )
    for spec in specs:
        check_environment(spec.name, settings_classes(spec.module), spec.env)


class _Needy(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NEEDY_", extra="ignore")

    token: str


def test_the_check_catches_a_missing_required_and_an_unread_variable() -> None:
    check_environment("needy", [_Needy], {"NEEDY_TOKEN": "x", "NEEDY_LOG_LEVEL": "INFO"})
    with pytest.raises(AssertionError, match="required NEEDY_TOKEN is not given"):
        check_environment("needy", [_Needy], {})
    with pytest.raises(AssertionError, match="NEEDY_TOKNE"):
        check_environment("needy", [_Needy], {"NEEDY_TOKEN": "x", "NEEDY_TOKNE": "typo"})
