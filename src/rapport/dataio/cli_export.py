"""`rapport export contacts|companies --workspace SLUG …` (no Django imports at module
level: the parser is built before Django is set up).

The file is the one the API sends for the same person and filters: the same function
prepares both (`rapport.dataio.exporting.export_prepare`).
"""

import argparse
import sys


def add_parser(sub) -> None:
    cmd = sub.add_parser(
        "export",
        help="export contacts or companies to CSV, XLSX or vCard",
        description="Export a contacts or companies list, as the API does for that person.",
    )
    cmd.add_argument("entity", choices=["contacts", "companies"])
    cmd.add_argument("--workspace", required=True, help="workspace slug")
    cmd.add_argument(
        "--format", dest="fmt", choices=["csv", "xlsx", "vcf"], default="csv", help="default csv"
    )
    cmd.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="export what this member may see (default: the workspace's owner, who sees all)",
    )
    cmd.add_argument(
        "--filter",
        dest="filters",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a filter of the list, e.g. role=client or custom.industry=retail (repeatable)",
    )
    cmd.add_argument("--columns", help="comma-separated column keys (CSV and XLSX)")
    cmd.add_argument("--output", "-o", help="file to write (default: standard output)")


def _params(filters: list[str]) -> dict:
    from django.utils.translation import gettext as _

    from rapport.core.errors import Invalid

    params: dict = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Invalid(_("Write each filter as key=value."), field="filter")
        key = key.strip()
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


def _actor(workspace_slug: str, email: str | None):
    from django.utils.translation import gettext as _

    from rapport.core.errors import NotFound
    from rapport.core.models import Membership, Role

    memberships = Membership.objects.select_related("workspace", "user").filter(
        workspace__slug=workspace_slug
    )
    if email:
        actor = memberships.filter(user__email__iexact=email.strip()).first()
    else:
        actor = memberships.filter(role=Role.OWNER).order_by("id").first()
    if actor is None:
        raise NotFound(_("No such member of workspace %(slug)s.") % {"slug": workspace_slug})
    return actor


def run(args: argparse.Namespace) -> int:
    from rapport.dataio.exporting import export_prepare

    actor = _actor(args.workspace, args.as_email)
    export = export_prepare(
        workspace=actor.workspace,
        actor=actor,
        entity="contact" if args.entity == "contacts" else "company",
        fmt=args.fmt,
        params=_params(args.filters),
        columns=args.columns,
    )
    if args.output and args.output != "-":
        with open(args.output, "wb") as out:
            export.write(out)
        print(f"Wrote {args.output}", file=sys.stderr)
    else:
        if args.fmt == "xlsx" and sys.stdout.isatty():
            print("rapport: XLSX is binary; give --output FILE.", file=sys.stderr)
            return 2
        export.write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return 0
