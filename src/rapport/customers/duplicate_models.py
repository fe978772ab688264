"""Likely duplicates, as found by the last scan of a workspace (see `duplicates.py`).

A scan groups every contact (or company) of the workspace by each match key and keeps the
keys two or more records share. Reading a page of groups is then a keyset walk over these
rows, whatever the size of the workspace. Members are plain ids, not foreign keys: a
record deleted or merged since the scan simply no longer counts when a page is read, and
the writes of other modules never pay for this table.
"""

from django.db import models

from rapport.core.models import WorkspaceModel


class DuplicateGroup(WorkspaceModel):
    entity = models.CharField(max_length=10)  # "contact" | "company"
    reason = models.CharField(max_length=10)  # email | phone | name | domain
    rank = models.PositiveSmallIntegerField()  # the reason's place in the list
    key = models.CharField(max_length=300)  # the exact match key (match_keys.py)
    # Contacts by name match within one company: its id (no FK, see the module docstring).
    scope = models.BigIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField()
    # A group of exactly two records (nearly all of them) also names both here, so a page
    # tests each pair straight from the group row, the second record only when the reader
    # may see the first (see `duplicate_page`). Null for bigger groups, which count their
    # members. Ids from the scan, like the members: nothing here says who may see them.
    first = models.BigIntegerField(null=True, blank=True)
    second = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "entity", "rank", "key", "id"], name="duplicate_group_page"
            )
        ]

    def __str__(self):
        return f"{self.entity} {self.reason}: {self.key}"


class DuplicateMember(WorkspaceModel):
    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["group", "record_id"], name="duplicate_member_group"),
            # "Which groups hold this record?" (a record's page, its merge picker).
            models.Index(fields=["workspace", "record_id"], name="duplicate_member_record"),
        ]

    def __str__(self):
        return f"{self.group_id}: {self.record_id}"


class DuplicateScan(WorkspaceModel):
    """When a workspace's contacts (or companies) were last grouped, and how it went."""

    entity = models.CharField(max_length=10)
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    records = models.PositiveIntegerField(default=0)  # how many were compared
    groups = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "entity"], name="duplicate_scan_unique")
        ]

    def __str__(self):
        return f"{self.entity} scan of {self.workspace_id}"
