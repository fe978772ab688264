"""`rapport import contacts|companies FILE --workspace SLUG …` (no Django imports at module
level: the parser is built before Django is set up).

The import runs right here, in this process, through the same service and runner as the
web's background task, and prints the result page's summary. Exit code 0 when the import
is done (rejected rows included), 1 when it failed or was cancelled, 2 for bad input.
"""

import argparse
import sys


def add_parser(sub) -> None:
    cmd = sub.add_parser("import", help="import contacts or companies from a CSV or XLSX file")
    cmd.add_argument("entity", choices=["contacts", "companies"])
    cmd.add_argument("file")
    cmd.add_argument("--workspace", required=True, help="workspace slug")
    cmd.add_argument(
        "--owner",
        default=None,
        help="email of the member who imports and owns the new records, or 'none' to leave "
        "them unclaimed (default: the workspace's owner)",
    )
    cmd.add_argument("--dedupe", default=None, help="email|none (contacts), name|domain|none")
    cmd.add_argument("--on-duplicate", default="skip", choices=["skip", "update"])
    cmd.add_argument("--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.utils.translation import gettext as _

    from rapport.core.errors import Invalid
    from rapport.dataio import importing, services
    from rapport.dataio.models import ImportStatus

    actor, owner = _actor(args.workspace, args.owner)
    path = Path(args.file)
    if not path.is_file():
        raise Invalid(_("No such file: %(path)s") % {"path": args.file}, field="file")
    options = {"owner": owner, "on_duplicate": args.on_duplicate}
    if args.dedupe:
        options["dedupe"] = args.dedupe
    with open(path, "rb") as f:
        job = services.import_submit(
            workspace=actor.workspace,
            actor=actor,
            entity=args.entity,
            upload=File(f, name=path.name),
            options=options,
            enqueue=False,
        )

    def progress(state: dict) -> None:
        if not args.quiet:
            print(f"  {state['processed']:,} rows…", file=sys.stderr, flush=True)

    job = importing.run(job.pk, on_progress=progress)
    for line in summary(job):
        print(line)
    if job.status == ImportStatus.DONE and job.rejected_file:
        try:
            print(_("Rejected rows: %(path)s") % {"path": default_storage.path(job.rejected_file)})
        except NotImplementedError:
            print(_("Rejected rows: %(path)s") % {"path": job.rejected_file})
    return 0 if job.status == ImportStatus.DONE else 1


def summary(job) -> list[str]:
    """The result page's words: what happened and the four counts."""
    from django.utils.translation import gettext as _

    from rapport.dataio.models import ImportStatus

    if job.status == ImportStatus.DONE:
        return [
            _("Import finished: %(file)s") % {"file": job.filename},
            f"{_('Created')}: {job.created}",
            f"{_('Updated')}: {job.updated}",
            f"{_('Skipped')}: {job.skipped}",
            f"{_('Rejected')}: {job.rejected}",
        ]
    head = (
        _("The import failed") if job.status == ImportStatus.FAILED else _("Import cancelled")
    ) + f": {job.filename}"
    lines = [head]
    if job.error:
        lines.append(job.error)
    lines.append(_("Nothing was imported: the workspace is as it was before."))
    return lines


def _actor(slug: str, owner: str | None):
    """The member the import acts as, and the owner option ("me" or "none")."""
    from django.utils.translation import gettext as _

    from rapport.core.errors import NotFound
    from rapport.core.models import Membership, Role

    memberships = Membership.objects.select_related("workspace", "user").filter(
        workspace__slug=slug
    )
    if not memberships.exists():
        raise NotFound(_("No workspace with the slug %(slug)s.") % {"slug": slug})
    if owner and owner.lower() != "none":
        actor = memberships.filter(user__email=owner.strip().lower()).first()
        if actor is None:
            raise NotFound(_("%(email)s is not a member of this workspace.") % {"email": owner})
        return actor, "me"
    actor = memberships.filter(role=Role.OWNER).order_by("id").first()
    return actor, "none" if owner else "me"
