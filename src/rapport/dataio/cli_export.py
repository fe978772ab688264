"""`rapport export contacts|companies --workspace SLUG …` (no Django imports at module
level: the parser is built before Django is set up)."""

import argparse


def add_parser(sub) -> None:
    cmd = sub.add_parser("export", help="export contacts or companies to CSV, XLSX or vCard")
    cmd.add_argument("entity", choices=["contacts", "companies"])
    cmd.add_argument("--workspace", required=True, help="workspace slug")


def run(args: argparse.Namespace) -> int:
    raise SystemExit("rapport export: not available yet")
