"""Import jobs: one uploaded file, its column mapping and options, and how the run went."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import WorkspaceModel


class ImportEntity(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    COMPANIES = "companies", _("Companies")


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # uploaded in the UI, mapping not confirmed yet
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


class ImportJob(WorkspaceModel):
    """One import. Counters are written when the run ends, in the same transaction as the
    rows; while it runs, progress travels outside that transaction (see `importing.channel`).
    """

    entity = models.CharField(max_length=16, choices=ImportEntity.choices)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    # The upload's name in the default storage (under MEDIA_ROOT/imports/); "" once removed.
    file = models.CharField(max_length=500, blank=True, default="")
    size = models.BigIntegerField(default=0)
    headers = models.JSONField(default=list, blank=True)
    # {"<column index>": "<target key>"}; a column absent from it is ignored.
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)  # None until counted
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Set by a canceller on PostgreSQL; SQLite uses a flag file (the run holds the lock).
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    rejected_file = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "created_by", "-id"], name="import_ws_creator"),
            models.Index(fields=["workspace", "-id"], name="import_ws_recent"),
        ]

    def __str__(self):
        return f"{self.get_entity_display()}: {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
