"""`rapport manage search_reindex [--workspace SLUG] [--kind KIND]`: rebuild the index."""

import time

from django.core.management.base import BaseCommand, CommandError

from rapport.core.models import Workspace
from rapport.search import registry
from rapport.search.index import reindex


class Command(BaseCommand):
    help = "Rebuild the search index from the records, in batches (all workspaces by default)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="only this workspace (its slug)")
        parser.add_argument(
            "--kind", action="append", help="only this kind (contact, company, …); repeatable"
        )

    def handle(self, *args, workspace=None, kind=None, **options):
        known = set(registry.indexed())
        unknown = set(kind or ()) - known
        if unknown:
            raise CommandError(
                f"Unknown kind: {', '.join(sorted(unknown))} (one of {', '.join(sorted(known))})"
            )
        workspaces = Workspace.objects.order_by("pk")
        if workspace is not None:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
        verbose = options["verbosity"] > 1
        for ws in workspaces.iterator():
            started = time.perf_counter()

            def progress(kind_name: str, done: int, ws=ws) -> None:
                if verbose and done and done % 100_000 == 0:
                    self.stdout.write(f"{ws.slug}: {kind_name} {done:,}")

            counts = reindex(workspace_id=ws.pk, kinds=kind, progress=progress)
            summary = ", ".join(f"{n:,} {k}" for k, n in counts.items())
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{ws.slug}: indexed {summary or 'nothing'} in {elapsed:.1f} s")
