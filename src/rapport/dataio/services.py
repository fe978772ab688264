"""Every write to import jobs: upload, mapping, options, start, cancel.

Who may import: any member, contacts and companies alike (as any member may create them,
see `contact_create`/`company_create`); an imported contact belongs to the importer or,
when they choose, to nobody (the unclaimed queue). A job is the business of the member who
made it and of admins; for everyone else it does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Invalid
from rapport.core.models import Membership, Workspace
from rapport.customers.models import CustomerRole
from rapport.customers.services import _common as c
from rapport.customfields.validation import definitions
from rapport.dataio import mapping as mapping_rules
from rapport.dataio import reading
from rapport.dataio.importing import ENTITY, channel, local_file
from rapport.dataio.importing.rows import CATEGORY_NAME_LENGTH
from rapport.dataio.models import ImportEntity, ImportJob, ImportStatus
from rapport.dataio.selectors import import_get

MAX_UPLOAD_BYTES = int(getattr(settings, "RAPPORT_IMPORT_MAX_BYTES", 200 * 1024 * 1024))
DEDUPE = {"contacts": ("email", "none"), "companies": ("name", "domain", "none")}
ON_DUPLICATE = ("skip", "update")
OWNERS = ("me", "none")
EDITABLE = (ImportStatus.DRAFT, ImportStatus.FAILED, ImportStatus.CANCELLED)
# An upload nobody ran (a draft) or re-ran (failed, cancelled) is kept this long, then its
# file is removed; the job stays, as history, and asks for the file again if reopened.
ABANDONED_AFTER = dt.timedelta(days=int(getattr(settings, "RAPPORT_IMPORT_KEEP_DAYS", 7)))
# Targets several columns may feed: their values are gathered, not the first one taken.
GATHERED = {"email", "phone"}


def default_options(entity: str) -> dict[str, Any]:
    return {
        "dedupe": DEDUPE[entity][0],
        "on_duplicate": "skip",
        "owner": "me",
        "team_ids": [],
        "label": "",
        "default_role": "",
        "default_source_id": None,
    }


def _entity(entity: Any) -> str:
    if entity not in ImportEntity.values:
        raise Invalid(_("Choose contacts or companies."), field="entity")
    return entity


def clean_options(*, workspace: Workspace, entity: str, data: dict) -> dict[str, Any]:
    """The options in their stored form; every error at once. Absent keys take defaults."""
    errors = c.Errors()
    options = default_options(entity)
    dedupe = data.get("dedupe") or options["dedupe"]
    if dedupe not in DEDUPE[entity]:
        errors.add("dedupe", _("Use one of: %(values)s.") % {"values": ", ".join(DEDUPE[entity])})
    options["dedupe"] = dedupe
    for name, allowed in (("on_duplicate", ON_DUPLICATE), ("owner", OWNERS)):
        value = data.get(name) or options[name]
        if value not in allowed:
            errors.add(name, _("Use one of: %(values)s.") % {"values": ", ".join(allowed)})
        options[name] = value
    if data.get("label"):
        options["label"] = c.text(errors, data, "label", CATEGORY_NAME_LENGTH) or ""
    role = data.get("default_role") or ""
    if role and role not in CustomerRole.values:
        errors.add("default_role", _("Use lead, prospect or client."))
    options["default_role"] = role
    if entity == "contacts":
        teams = c.teams(errors, workspace, {"team_ids": data.get("team_ids") or []})
        options["team_ids"] = [t.pk for t in teams or []]
        source = c.category(
            errors, workspace, {"default_source_id": data.get("default_source_id")},
            "default_source_id", "sources",
        )  # fmt: skip
        options["default_source_id"] = source.pk if source not in (None, c.UNSET) else None
    errors.raise_if_any()
    return options


def clean_mapping(*, workspace: Workspace, entity: str, headers: list[str], data: dict) -> dict:
    """{"<column index>": "<target>"} from a mapping keyed by column index or header name;
    "" (or null) leaves a column out. Each single-valued target takes at most one column."""
    defs = definitions(workspace=workspace, entity=ENTITY[entity])
    targets = {t.key: t for t in mapping_rules.targets(ENTITY[entity], defs)}
    by_header = {}
    for i, header in enumerate(headers):
        by_header.setdefault(header.casefold(), i)
    errors = c.Errors()
    result: dict[str, str] = {}
    for raw_key, target in data.items():
        key = str(raw_key).strip()
        index = (
            int(key) if key.isdigit() and int(key) < len(headers) else by_header.get(key.casefold())
        )
        if index is None:
            errors.add(f"mapping.{key}", _("The file has no such column."))
            continue
        if target in (None, "", "ignore"):
            result.pop(str(index), None)
            continue
        if target not in targets:
            errors.add(f"mapping.{key}", _("There is no such field to import into."))
            continue
        result[str(index)] = target
    seen: dict[str, int] = {}
    for index, target in sorted(result.items(), key=lambda item: int(item[0])):
        if target in seen and target not in GATHERED and not targets[target].multiple:
            errors.add(
                f"mapping.{index}",
                _("Only one column can go to %(field)s.") % {"field": targets[target].label},
            )
        seen.setdefault(target, int(index))
    errors.raise_if_any()
    return result


def _store(workspace: Workspace, upload) -> str:
    if upload is None:
        raise Invalid(_("Choose a file to import."), field="file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise Invalid(
            _("The file is larger than %(n)d MB: split it, or import it with the command line.")
            % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)},
            field="file",
        )
    suffix = Path(upload.name or "").suffix.lower()[:8]
    return default_storage.save(f"imports/{workspace.pk}/{uuid.uuid4().hex}{suffix}", upload)


def _sniff(name: str, filename: str):
    try:
        with local_file(name) as path:
            return reading.sniff(path, filename=filename)
    except Invalid:
        default_storage.delete(name)
        raise


def purge_abandoned_uploads(*, workspace: Workspace | None = None, limit: int = 100) -> int:
    """Remove the files of imports left unfinished for ABANDONED_AFTER; returns how many.

    Runs on every upload for that workspace (a bounded batch, so an upload never waits
    long) and from `rapport manage purge_import_uploads` for every workspace.
    """
    cutoff = timezone.now() - ABANDONED_AFTER
    jobs = ImportJob.objects.filter(status__in=EDITABLE, created_at__lt=cutoff).exclude(file="")
    if workspace is not None:
        jobs = jobs.filter(workspace=workspace)
    purged = 0
    for job_id, name in jobs.order_by("id").values_list("id", "file")[:limit]:
        # The row first: a job that lost its file asks for it again; a file without its
        # row would be lost to everyone.
        if ImportJob.objects.filter(pk=job_id, status__in=EDITABLE, file=name).update(file=""):
            default_storage.delete(name)
            purged += 1
    return purged


def import_create(*, workspace: Workspace, actor: Membership, entity: str, upload) -> ImportJob:
    """Store an upload, read its columns and guess the mapping: a draft to check."""
    entity = _entity(entity)
    purge_abandoned_uploads(workspace=workspace, limit=20)
    name = _store(workspace, upload)
    sniffed = _sniff(name, upload.name or "")
    defs = definitions(workspace=workspace, entity=ENTITY[entity])
    guessed = mapping_rules.guess(sniffed.headers, ENTITY[entity], defs)
    with transaction.atomic():
        job = ImportJob.objects.create(
            workspace=workspace,
            entity=entity,
            created_by=actor.user,
            filename=(upload.name or "upload")[:255],
            file=name,
            size=upload.size,
            headers=sniffed.headers,
            mapping={str(i): key for i, key in guessed.items()},
            options=default_options(entity),
        )
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="import.uploaded",
            target=job,
            target_type="import",
            summary=job.filename,
        )
    return job


def _editable(workspace: Workspace, actor: Membership, job_id: int) -> ImportJob:
    job = import_get(workspace=workspace, actor=actor, job_id=job_id, for_update=True)
    if job.status not in EDITABLE:
        raise Conflict(_("This import has started: its mapping and options are fixed."))
    if not job.file:
        raise Conflict(_("The uploaded file is no longer there: upload it again."))
    return job


def import_update(
    *,
    workspace: Workspace,
    actor: Membership,
    job_id: int,
    mapping: dict | None = None,
    options: dict | None = None,
) -> ImportJob:
    """Change a job's mapping (given whole: columns left out are ignored) or options."""
    with transaction.atomic():
        job = _editable(workspace, actor, job_id)
        changes = {}
        if mapping is not None:
            new = clean_mapping(
                workspace=workspace, entity=job.entity, headers=job.headers, data=mapping
            )
            if new != job.mapping:
                changes["mapping"] = [job.mapping, new]
                job.mapping = new
        if options is not None:
            new = clean_options(workspace=workspace, entity=job.entity, data=options)
            if new != job.options:
                changes["options"] = [job.options, new]
                job.options = new
        if changes:
            job.status = ImportStatus.DRAFT
            job.save(update_fields=["mapping", "options", "status"])
            record_activity(
                workspace=workspace,
                actor=actor,
                verb="import.updated",
                target=job,
                target_type="import",
                summary=job.filename,
                changes=changes,
            )
    return job


def import_start(
    *, workspace: Workspace, actor: Membership, job_id: int, options: dict | None = None
) -> ImportJob:
    """Queue the run (with `options`, when given). The task runs in a worker; with the
    immediate backend (tests) it has run by the time this returns."""
    with transaction.atomic():
        job = _editable(workspace, actor, job_id)
        if options is not None:
            job.options = clean_options(workspace=workspace, entity=job.entity, data=options)
        if not job.mapping:
            raise Invalid(_("Map at least one column to a field."), field="mapping")
        channel.forget(job.pk)  # a cancel flag from an earlier run must not stop this one
        job.status = ImportStatus.QUEUED
        job.cancel_requested = False
        job.error = ""
        job.save(update_fields=["options", "status", "cancel_requested", "error"])
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="import.queued",
            target=job,
            target_type="import",
            summary=job.filename,
        )
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: ImportJob) -> None:
    from rapport.dataio.tasks import run_import

    # After the commit: the worker must find the job queued, and the immediate backend
    # must not run the import inside this service's transaction.
    run_import.enqueue(job.pk)


def import_submit(
    *,
    workspace: Workspace,
    actor: Membership,
    entity: str,
    upload,
    mapping: dict | None = None,
    options: dict | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Upload and start in one step (the API, the CLI): the guessed mapping, with
    `mapping`'s columns overriding it. Bad input stores nothing. Without `enqueue` the
    caller runs the job itself (`importing.run`)."""
    entity = _entity(entity)
    options = clean_options(workspace=workspace, entity=entity, data=options or {})
    name = _store(workspace, upload)
    try:
        sniffed = _sniff(name, upload.name or "")
        defs = definitions(workspace=workspace, entity=ENTITY[entity])
        guessed = {
            str(i): key
            for i, key in mapping_rules.guess(sniffed.headers, ENTITY[entity], defs).items()
        }
        if mapping:
            given = clean_mapping(
                workspace=workspace, entity=entity, headers=sniffed.headers, data=mapping
            )
            named = {_index(k, sniffed.headers) for k in mapping}
            guessed = {k: v for k, v in guessed.items() if int(k) not in named} | given
        if not guessed:
            raise Invalid(_("No column of this file maps to a field."), field="mapping")
    except Invalid:
        default_storage.delete(name)
        raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            workspace=workspace,
            entity=entity,
            created_by=actor.user,
            filename=(upload.name or "upload")[:255],
            file=name,
            size=upload.size,
            headers=sniffed.headers,
            mapping=guessed,
            options=options,
            status=ImportStatus.QUEUED,
        )
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="import.queued",
            target=job,
            target_type="import",
            summary=job.filename,
        )
    if enqueue:
        _enqueue(job)
        job.refresh_from_db()
    return job


def _index(key, headers: list[str]) -> int | None:
    key = str(key).strip()
    if key.isdigit() and int(key) < len(headers):
        return int(key)
    for i, header in enumerate(headers):
        if header.casefold() == key.casefold():
            return i
    return None


def import_cancel(*, workspace: Workspace, actor: Membership, job_id: int) -> ImportJob:
    """Stop an import. A queued one ends at once; a running one rolls back at its next
    batch (the job says "cancelled" once it has). On SQLite nothing is written to the
    database while an import runs: the request travels as a flag file."""
    job = import_get(workspace=workspace, actor=actor, job_id=job_id)
    if job.status == ImportStatus.RUNNING:
        channel.request_cancel(job)
        return job
    if job.status not in (ImportStatus.QUEUED, ImportStatus.DRAFT):
        raise Conflict(_("This import has already ended."), code="finished")
    channel.request_cancel(job)  # in case a worker claims it before the update below
    with transaction.atomic():
        stopped = ImportJob.objects.filter(
            pk=job.pk, status__in=(ImportStatus.QUEUED, ImportStatus.DRAFT)
        ).update(status=ImportStatus.CANCELLED)
        if stopped:
            record_activity(
                workspace=workspace,
                actor=actor,
                verb="import.cancelled",
                target=job,
                target_type="import",
                summary=job.filename,
            )
    if stopped:
        channel.forget(job.pk)
    job.refresh_from_db()
    return job
