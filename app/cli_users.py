"""`flowbook user create`: make the owner (or another user) headless, for CI and scripts.

The password comes from standard input with `--password-stdin` (first line), from
`FLOWBOOK_PASSWORD`, or from a prompt; never from the command line, where `ps` shows it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from app.models.account import Role
from app.services.accounts import add_user, create_owner, needs_owner
from app.services.audit import record_audit
from app.services.errors import ServiceError
from app.services.startup import migrate_database
from app.services.unit_of_work import session_scope

EXIT_OK = 0
EXIT_INVALID = 2


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get("FLOWBOOK_PASSWORD"):
        return os.environ["FLOWBOOK_PASSWORD"]
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ServiceError("The two passwords differ")
    return first


def command_user_create(args: argparse.Namespace) -> int:
    """Create a user; the first one must be the owner."""
    migrate_database()
    role = Role(args.role)
    try:
        password = _password(args)
        with session_scope() as session:
            if role is Role.OWNER:
                user = create_owner(session, email=args.email, name=args.name, password=password)
            elif needs_owner(session):
                raise ServiceError("Create the owner first: flowbook user create --role owner")
            else:
                row = add_user(
                    session, email=args.email, name=args.name, password=password, role=role
                )
                record_audit(
                    session,
                    actor=None,
                    actor_label="flowbook user create",
                    action="user.create",
                    object_type="user",
                    object_id=row.id or "",
                    detail={"role": role.value},
                )
                user = row
    except ServiceError as exc:
        print(f"flowbook: error: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    print(f"flowbook: created {user.role} {user.email}", file=sys.stderr)
    return EXIT_OK


def add_user_commands(commands: Any) -> None:
    """Register `flowbook user ...` on the main parser's sub-commands."""
    user = commands.add_parser("user", help="manage users")
    actions = user.add_subparsers(dest="user_command", required=True)
    create = actions.add_parser("create", help="create a user (the first one is the owner)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=[role.value for role in Role], default=Role.OWNER.value)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=command_user_create)
