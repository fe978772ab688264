"""Builders for import tests: a file, a job, a finished run, through the services."""

import csv
import io
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.core.models import Activity, Category
from rapport.customers.models import Company, CompanyLabel, Contact, ContactLabel, ContactTeam
from rapport.dataio import services

FIXTURES = Path(__file__).parent / "fixtures"


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def upload(content: bytes | list[list[str]], name: str = "people.csv") -> SimpleUploadedFile:
    if isinstance(content, list):
        content = csv_bytes(content)
    return SimpleUploadedFile(name, content, content_type="text/csv")


def draft(actor, content, *, entity: str = "contacts", name: str = "people.csv", mapping=None):
    job = services.import_create(
        workspace=actor.workspace, actor=actor, entity=entity, upload=upload(content, name)
    )
    if mapping is not None:
        job = services.import_update(
            workspace=actor.workspace, actor=actor, job_id=job.pk, mapping=mapping
        )
    return job


def run_import(actor, content, *, entity="contacts", name="people.csv", mapping=None, **options):
    """Upload, map (automatically unless `mapping`), start with `options`: the ended job."""
    job = draft(actor, content, entity=entity, name=name, mapping=mapping)
    return services.import_start(
        workspace=actor.workspace, actor=actor, job_id=job.pk, options=options or None
    )


def rejected_rows(job) -> list[list[str]]:
    with default_storage.open(job.rejected_file, "rb") as f:
        return list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"))))


def table_counts(workspace) -> dict[str, int]:
    """Rows an import may write, per table (import jobs' own activity rows aside)."""
    from rapport.search.models import Entry, Pending

    return {
        "contacts": Contact.objects.filter(workspace=workspace).count(),
        "companies": Company.objects.filter(workspace=workspace).count(),
        "categories": Category.objects.filter(workspace=workspace).count(),
        "contact_labels": ContactLabel.objects.filter(workspace=workspace).count(),
        "company_labels": CompanyLabel.objects.filter(workspace=workspace).count(),
        "contact_teams": ContactTeam.objects.filter(workspace=workspace).count(),
        "activities": Activity.objects.filter(workspace=workspace)
        .exclude(target_type="import")
        .count(),
        "search_entries": Entry.objects.filter(workspace_id=workspace.pk).count(),
        "search_pending": Pending.objects.filter(workspace_id=workspace.pk).count(),
    }
