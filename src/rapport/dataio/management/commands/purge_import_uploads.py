"""Remove the uploaded files of imports left unfinished (see `purge_abandoned_uploads`)."""

from django.core.management.base import BaseCommand

from rapport.dataio.services import ABANDONED_AFTER, purge_abandoned_uploads


class Command(BaseCommand):
    help = "Remove the files of imports nobody ran or re-ran for RAPPORT_IMPORT_KEEP_DAYS days."

    def handle(self, *args, **options):
        total = 0
        while purged := purge_abandoned_uploads(limit=500):
            total += purged
        self.stdout.write(
            f"Removed {total} abandoned upload(s) older than {ABANDONED_AFTER.days} days."
        )
