"""`inspectqa keys add|list|revoke`: manage the API keys in the key file (INSPECTQA_KEYS_FILE)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index.errors import InspectQAError
from service.config import get_service_settings
from service.keys import KeyFileError, add_key, read_keys, revoke_key

EPILOG = "The key file (INSPECTQA_KEYS_FILE, default var/api-keys.json) holds only salted hashes; a running service re-reads it on change."


def _path(args: argparse.Namespace) -> Path:
    return args.keys_file or get_service_settings().keys_file


def _add(args: argparse.Namespace) -> int:
    try:
        plain = add_key(_path(args), args.name, admin=args.admin, groups=tuple(args.group or ()))
    except KeyFileError as exc:
        raise InspectQAError(str(exc)) from None
    groups = f" in group(s) {', '.join(args.group)}" if args.group else ""
    print(f"key for {args.name!r}{' (admin)' if args.admin else ''}{groups} added to {_path(args)}; it is shown once, store it now:", file=sys.stderr)
    print(plain)
    return 0


def _list(args: argparse.Namespace) -> int:
    try:
        keys = read_keys(_path(args))
    except KeyFileError as exc:
        raise InspectQAError(str(exc)) from None
    if not keys:
        print(f"no keys in {_path(args)}; add one with 'inspectqa keys add NAME'", file=sys.stderr)
    for k in keys:
        state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
        print(f"{k.name}\t{'admin' if k.admin else 'user'}\tcreated {k.created_at}\t{state}\tgroups: {','.join(k.groups) or '-'}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        count = revoke_key(_path(args), args.name)
    except KeyFileError as exc:
        raise InspectQAError(str(exc)) from None
    print(f"revoked {count} key(s) named {args.name!r}; a running service refuses them from its next request")
    return 0


# every route behind service.access.require_admin (tests/test_cli_messages.py checks this against the app)
ADMIN_ROUTES = (
    "POST /admin/reload",
    "POST /admin/documents (upload a document)",
    "DELETE /admin/documents/{doc_id}",
    "GET /admin/jobs/{job_id}",
    "GET /admin/audit",
    "GET /admin/feedback/export",
)


def register(commands) -> None:
    """Add the `keys` command to the `inspectqa` sub-parsers."""
    keys = commands.add_parser("keys", help="add, list or revoke API keys", description="Manage the API keys callers send as 'Authorization: Bearer <key>'.", epilog=EPILOG)
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    file_help = "key file (default: INSPECTQA_KEYS_FILE or var/api-keys.json)"

    add = sub.add_parser("add", help="make a new key and print it once", epilog=EPILOG)
    add.add_argument("name", help="who or what the key is for, e.g. 'case-system'")
    add.add_argument("--admin", action="store_true", help=f"the key may also call the admin routes: {', '.join(ADMIN_ROUTES)}")
    add.add_argument(
        "--group", action="append", metavar="G", help="the key may see documents restricted to group G (repeatable); admin keys see everything"
    )
    add.add_argument("--keys-file", type=Path, help=file_help)
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help="list key names, roles and states (never the keys)", epilog=EPILOG)
    lst.add_argument("--keys-file", type=Path, help=file_help)
    lst.set_defaults(func=_list)

    revoke = sub.add_parser("revoke", help="revoke every active key with this name", epilog=EPILOG)
    revoke.add_argument("name")
    revoke.add_argument("--keys-file", type=Path, help=file_help)
    revoke.set_defaults(func=_revoke)
