"""The search index: one row per searchable record, in the same database as the records.

Rows are built by the kind's provider (`rapport.search.registry`) from the records and
replaced whenever a writer calls `rapport.search.index.refresh`. They hold what a result
shows (title, subtitle) and what a query matches: the folded words of the title and of
everything else, each word between spaces (see `rapport.search.fold.key`).

The full-text structures live beside the table and are created by the migrations for
the database in use: on SQLite FTS5 `trigram` tables (`search_fts` over both keys,
`search_title_fts` over titles) filled by `index._insert` and emptied by a delete
trigger on this table; on PostgreSQL GIN indexes over the stored words (tsvector) and
over their trigrams (pg_trgm).

On SQLite a migration that makes Django rebuild this table (most column changes) drops
its triggers with it: such a migration must create them again (see 0003 and 0005).

Who may see a row is never stored here: it is asked of the records themselves at query
time (see `selectors.search`), so sharing a contact or joining a team shows at once.
"""

from django.db import models

from rapport.core.models import WorkspaceModel, workspace_key


class Entry(WorkspaceModel):
    workspace = workspace_key()
    kind = models.CharField(max_length=24)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True, default="")
    title_key = models.TextField()
    body_key = models.TextField(blank=True, default="")

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "object_id"], name="search_entry_object"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}: {self.title}"


class Pending(models.Model):
    """Records written in bulk whose index rows are still to be made (`index.defer`): a
    row holds up to `index.BATCH` ids of one kind.

    A bulk writer (the import) notes its records here inside its own transaction, which
    costs one small row per batch, and `index.catch_up` indexes them once that transaction
    has committed. A run that dies in between leaves its rows here for the next catch-up
    (`rapport manage search_catchup`), never a record that is unsearchable for good."""

    workspace_id = models.BigIntegerField()
    kind = models.CharField(max_length=24)
    ids = models.JSONField()

    def __str__(self):
        return f"{len(self.ids)} {self.kind} ids (workspace {self.workspace_id})"
