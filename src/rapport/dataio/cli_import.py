"""`rapport import contacts|companies FILE --workspace SLUG …` (no Django imports at module
level: the parser is built before Django is set up)."""

import argparse


def add_parser(sub) -> None:
    cmd = sub.add_parser("import", help="import contacts or companies from a CSV or XLSX file")
    cmd.add_argument("entity", choices=["contacts", "companies"])
    cmd.add_argument("file")
    cmd.add_argument("--workspace", required=True, help="workspace slug")
    cmd.add_argument("--owner", default=None, help="owner's email, or 'none' for unclaimed")
    cmd.add_argument("--dedupe", default=None, help="email|none (contacts), name|domain|none")
    cmd.add_argument("--on-duplicate", default="skip", choices=["skip", "update"])


def run(args: argparse.Namespace) -> int:
    raise SystemExit("rapport import: not available yet")
