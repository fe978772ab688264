"""`rapport manage search_catchup [--workspace SLUG]`: index what bulk writes deferred."""

import time

from django.core.management.base import BaseCommand, CommandError

from rapport.core.models import Workspace
from rapport.search.index import COMPACT_AFTER, Stuck, catch_up, compact


class Command(BaseCommand):
    help = (
        "Index the records that imports noted for search but did not index (a run that "
        "stopped between its commit and its indexing). Safe to run at any time, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="only this workspace (its slug)")

    def handle(self, *args, workspace=None, **options):
        workspace_id = None
        if workspace is not None:
            workspace_id = (
                Workspace.objects.filter(slug=workspace).values_list("pk", flat=True).first()
            )
            if workspace_id is None:
                raise CommandError(f"No workspace with the slug {workspace!r}.")
        started = time.perf_counter()
        try:
            done = catch_up(workspace_id)
        except Stuck as exc:
            raise CommandError(
                f"Indexed {exc.done:,} records; {len(exc.pks)} noted rows failed and stay "
                "noted (see the log)."
            ) from exc
        if done >= COMPACT_AFTER:
            compact()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Indexed {done:,} records in {elapsed:.1f} s.")
