"""Imports over the API: upload a CSV or XLSX, follow the run, fetch the rejected rows.

A job is visible to the member who started it and to admins; for anyone else it is 404.
Parse, call one service or selector, serialise: the rules live in `services`.
"""

import datetime as dt
import json

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from rapport.core.api import Id, PageParams
from rapport.core.errors import Conflict, Invalid
from rapport.core.models import Membership
from rapport.core.pagination import keyset_page
from rapport.dataio import selectors, services
from rapport.dataio.importing import neutralise
from rapport.dataio.models import ImportJob, ImportStatus

router = Router(tags=["imports"])


def _actor(request: HttpRequest) -> Membership:
    return request.membership


class ImportCreated(Schema):
    id: int
    status: str


class ImportOut(Schema):
    """`status` is queued, running, done, failed or cancelled (draft: uploaded in the UI,
    not started). `progress` is the fraction of rows processed, from 0 to 1 (1 once done).
    The counts are those of the finished run: a failed or cancelled run wrote nothing, so
    they are 0 and `processed` says how far it got; while running they grow batch by
    batch. `total` is null until the file's rows are counted."""

    id: int
    entity: str
    filename: str
    status: str
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    rejected: int
    progress: float
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ImportPage(Schema):
    items: list[ImportOut]
    next: str | None


def _out(job: ImportJob) -> dict:
    progress = selectors.import_progress(job=job)
    return {
        "id": job.pk,
        "entity": job.entity,
        "filename": job.filename,
        "status": job.status,
        "total": job.total,
        "processed": progress.processed,
        "created": progress.created,
        "updated": progress.updated,
        "skipped": progress.skipped,
        "rejected": progress.rejected,
        "progress": round(progress.fraction, 4),
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _mapping(raw: str | None) -> dict | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(v, str) or v is None for v in value.values()
    ):
        raise Invalid(
            _('Give the mapping as a JSON object: {"<header or column index>": "<field>"}.'),
            field="mapping",
        )
    return value


@router.post("/imports", response={202: ImportCreated})
def imports_create(
    request,
    file: File[UploadedFile],
    entity: Form[str],
    mapping: Form[str | None] = None,
    dedupe: Form[str | None] = None,
    on_duplicate: Form[str | None] = None,
    owner: Form[str | None] = None,
):
    """Upload a CSV or XLSX file and start importing it (multipart/form-data).

    The columns are mapped automatically from their headers; `mapping`, a JSON object
    `{"<header or column index>": "<field>"}`, overrides single columns ("" ignores one).
    Fields: the contact or company field names (`first_name`, `email`, `company`,
    `labels`…), `full_name`, and `custom.<key>`. `dedupe` is `email` or `none` for
    contacts (default `email`), `name`, `domain` or `none` for companies (default
    `name`); `on_duplicate` is `skip` (default) or `update`; `owner` is `me` (default)
    or `none` (unclaimed). Answers 202 with the job's id: follow it at
    `GET /imports/{id}`.
    """
    actor = _actor(request)
    options = {
        key: value
        for key, value in (("dedupe", dedupe), ("on_duplicate", on_duplicate), ("owner", owner))
        if value
    }
    job = services.import_submit(
        workspace=actor.workspace,
        actor=actor,
        entity=entity,
        upload=file,
        mapping=_mapping(mapping),
        options=options,
    )
    return Status(202, {"id": job.pk, "status": job.status})


@router.get("/imports", response=ImportPage)
def imports_list(request, params: Query[PageParams]):
    """Your imports, newest first (an admin sees everyone's)."""
    actor = _actor(request)
    qs = selectors.import_visible(workspace=actor.workspace, actor=actor)
    page = keyset_page(qs, order=("-id",), limit=params.limit, cursor=params.cursor)
    return {"items": [_out(job) for job in page.items], "next": page.next}


@router.get("/imports/{job_id}", response=ImportOut)
def imports_get(request, job_id: Id):
    actor = _actor(request)
    return _out(selectors.import_get(workspace=actor.workspace, actor=actor, job_id=job_id))


@router.post("/imports/{job_id}/cancel", response=ImportOut)
def imports_cancel(request, job_id: Id):
    """Stop a queued or running import. A running one stops at its next batch and rolls
    back: its status turns to `cancelled` then, so poll the job."""
    actor = _actor(request)
    job = services.import_cancel(workspace=actor.workspace, actor=actor, job_id=job_id)
    return _out(job)


@router.get("/imports/{job_id}/rejected.csv", response={200: None})
def imports_rejected(request, job_id: Id):
    """The rows that were not imported: `Row` (the row number in the file), `Reason`,
    then the row's own cells under the file's headers. Cells a spreadsheet would run as
    formulas start with an apostrophe."""
    actor = _actor(request)
    job = selectors.import_get(workspace=actor.workspace, actor=actor, job_id=job_id)
    return rejected_response(job)


def rejected_response(job: ImportJob) -> HttpResponse:
    """The rejected-rows CSV of a finished job (shared with the UI's download link)."""
    if job.status != ImportStatus.DONE:
        raise Conflict(_("The import has not finished."), code="not_finished")
    filename = f"{job.filename.rsplit('.', 1)[0]}-rejected.csv"
    if job.rejected_file and default_storage.exists(job.rejected_file):
        return FileResponse(
            default_storage.open(job.rejected_file, "rb"),
            as_attachment=True,
            filename=filename,
            content_type="text/csv; charset=utf-8",
        )
    header = ",".join(
        '"' + neutralise(h).replace('"', '""') + '"' for h in [_("Row"), _("Reason"), *job.headers]
    )
    response = HttpResponse("\ufeff" + header + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
