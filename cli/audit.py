"""`inspectqa audit export --csv`: the audit trail (INSPECTQA_AUDIT_DB) as CSV or JSON lines, oldest first."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.errors import InspectQAError
from service.audit import AuditError, audit_log_for, to_csv
from service.config import get_service_settings


def _export(args: argparse.Namespace) -> int:
    settings = get_service_settings()
    if args.audit_db:
        settings = settings.model_copy(update={"audit_db": args.audit_db})
    if not Path(settings.audit_db).is_file():
        raise InspectQAError(f"no audit database at {settings.audit_db}; set INSPECTQA_AUDIT_DB or pass --audit-db")
    try:
        rows = audit_log_for(settings).all(args.user, args.since, args.until)
    except AuditError as exc:
        raise InspectQAError(str(exc)) from None
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        if args.csv:
            out.write(to_csv(rows))
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if args.out:
            out.close()
    print(f"{len(rows)} audit record(s) exported", file=sys.stderr)
    return 0


def register(commands) -> None:
    audit = commands.add_parser("audit", help="export the audit trail", description="Read the audit trail the service writes (INSPECTQA_AUDIT_DB).")
    sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="every record, oldest first, as CSV (--csv) or JSON lines")
    export.add_argument("--csv", action="store_true", help="CSV, every cell safe to open in a spreadsheet (default: JSON lines)")
    export.add_argument("--user", help="only this caller (key name or SSO user)")
    export.add_argument("--since", help="only records at or after this UTC time (ISO 8601, e.g. 2026-11-01)")
    export.add_argument("--until", help="only records before this UTC time")
    export.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    export.add_argument("--audit-db", type=Path, help="audit database (default: INSPECTQA_AUDIT_DB or var/audit.sqlite3)")
    export.set_defaults(func=_export)
