"""Administration of identity_service from a shell, against the same store and settings
(IDENTITY_* environment) as the running service.

    python -m services.identity_service.cli rotate-key
    python -m services.identity_service.cli list-keys
    python -m services.identity_service.cli create-teacher --email a@school.se --name "A B"
    python -m services.identity_service.cli set-password --email a@school.se

Passwords are read from standard input (one line), never from the command line, where other
users could see them. `create-teacher` exits 3 when the address already has an account.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from common_core import runtime
from common_core.db import create_engine, session_factory
from common_core.metadata import utc_now
from services.identity_service.config import IdentitySettings
from services.identity_service.domain import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    EmailAlreadyRegisteredError,
    InvalidEmailError,
    TeacherNotFoundError,
    published_keys,
)
from services.identity_service.handlers import (
    Registration,
    create_teacher,
    rotate_signing_key,
    set_password,
)
from services.identity_service.passwords import Argon2Passwords
from services.identity_service.repository import SqlUnitOfWorkFactory, migrate_schema
from services.identity_service.signing import new_signing_key

EXIT_EXISTS = 3
EXIT_INVALID = 2


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise ValueError(f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    return password


async def run(args: argparse.Namespace, settings: IdentitySettings) -> int:
    """Carry out one command; returns the process exit code."""
    engine = create_engine(settings.database_url)
    try:
        await migrate_schema(engine)
        units_of_work = SqlUnitOfWorkFactory(session_factory(engine))
        lifetime = timedelta(seconds=settings.access_token_ttl_seconds)
        if args.command == "rotate-key":
            key = await rotate_signing_key(units_of_work(), utc_now(), new_signing_key, lifetime)
            print(f"new active key {key.kid}; older keys stay published until their tokens expire")
        elif args.command == "list-keys":
            async with units_of_work() as uow:
                keys = await uow.signing_keys.all()
            published = {key.kid for key in published_keys(keys, utc_now(), lifetime)}
            for key in sorted(keys, key=lambda k: k.created_at, reverse=True):
                state = "active" if key.retired_at is None else f"retired {key.retired_at:%c}"
                shown = "published" if key.kid in published else "unpublished"
                print(f"{key.kid}  created {key.created_at:%c}  {state}  {shown}")
        elif args.command == "create-teacher":
            passwords = Argon2Passwords.from_settings(settings)
            registration = Registration(args.email, _read_password(), args.name)
            teacher = await create_teacher(registration, passwords, units_of_work(), utc_now())
            print(f"created teacher {teacher.teacher_id}")
        elif args.command == "set-password":
            passwords = Argon2Passwords.from_settings(settings)
            teacher = await set_password(args.email, _read_password(), passwords, units_of_work())
            print(f"password set for teacher {teacher.teacher_id}")
        return 0
    except EmailAlreadyRegisteredError:
        print("an account with that e-mail address exists", file=sys.stderr)
        return EXIT_EXISTS
    except (TeacherNotFoundError, InvalidEmailError, ValueError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="identity", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rotate-key", help="make a new active signing key (nobody is logged out)")
    sub.add_parser("list-keys", help="show the signing keys and which are published")
    create = sub.add_parser("create-teacher", help="create an account (password on stdin)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    reset = sub.add_parser("set-password", help="set an account's password (on stdin)")
    reset.add_argument("--email", required=True)
    args = parser.parse_args(argv)
    return runtime.run(run(args, IdentitySettings()))


if __name__ == "__main__":
    sys.exit(main())
