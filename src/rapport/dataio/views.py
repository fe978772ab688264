"""The import pages: upload → columns → preview and options → progress → result.

Resolve the membership, parse a form, call one service or selector, render. A job the
actor may not see is a 404 on every route, as in the API. While a run is under way the
job page polls a partial (htmx, every second) that turns into the result when it ends.
"""

import datetime as dt
from contextlib import contextmanager

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid, NotFound
from rapport.core.pagination import keyset_page
from rapport.customers.selectors import category_choices
from rapport.customfields.validation import definitions
from rapport.dataio import mapping as mapping_rules
from rapport.dataio import selectors, services
from rapport.dataio.api import rejected_response
from rapport.dataio.forms import MappingForm, OptionsForm, UploadForm
from rapport.dataio.importing import ENTITY, preview
from rapport.dataio.importing.rows import CREATE, REJECT, SKIP, UPDATE
from rapport.dataio.models import ImportEntity, ImportJob, ImportStatus
from rapport.dataio.services import EDITABLE
from rapport.search import selectors as search_selectors

PER_PAGE = 50
INDEXING_NOTICE = dt.timedelta(minutes=10)
POLL_SECONDS = 1


@contextmanager
def _found():
    try:
        yield
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _job(request, job_id: int) -> ImportJob:
    with _found():
        return selectors.import_get(
            workspace=request.workspace, actor=request.membership, job_id=job_id
        )


def _targets(job: ImportJob):
    entity = ENTITY[job.entity]
    return mapping_rules.targets(entity, definitions(workspace=job.workspace, entity=entity))


def _steps(current: int) -> list[dict]:
    names = [_("Upload"), _("Columns"), _("Preview and options"), _("Import")]
    return [
        {
            "n": i,
            "name": name,
            "state": "done" if i < current else "current" if i == current else "",
        }
        for i, name in enumerate(names, 1)
    ]


@require_GET
@workspace_view()
def import_list(request):
    qs = selectors.import_visible(workspace=request.workspace, actor=request.membership)
    try:
        page = keyset_page(
            qs.select_related("created_by"),
            order=("-id",),
            limit=PER_PAGE,
            cursor=request.GET.get("cursor"),
        )
    except Invalid as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "dataio/import_list.html",
        {"page": page, "jobs": page.items, "cursor": request.GET.get("cursor")},
    )


@require_http_methods(["GET", "POST"])
@workspace_view()
def import_new(request):
    ws, actor = request.workspace, request.membership
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.import_create(
                    workspace=ws,
                    actor=actor,
                    entity=form.cleaned_data["entity"],
                    upload=form.cleaned_data.get("file"),
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                return redirect("import_mapping", ws.slug, job.pk)
        return render(request, "dataio/import_new.html", _new_context(form), status=422)
    entity = request.GET.get("entity")
    form = UploadForm(initial={"entity": entity} if entity in ImportEntity.values else None)
    return render(request, "dataio/import_new.html", _new_context(form))


def _new_context(form) -> dict:
    return {"form": form, "steps": _steps(1), "max_mb": services.MAX_UPLOAD_BYTES // 2**20}


@require_http_methods(["GET", "POST"])
@workspace_view()
def import_mapping(request, job_id: int):
    ws, actor = request.workspace, request.membership
    job = _job(request, job_id)
    if job.status not in EDITABLE or not job.file:
        return redirect("import_detail", ws.slug, job.pk)
    targets = _targets(job)
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, headers=job.headers, targets=targets, mapping=job.mapping)
        if form.is_valid():
            try:
                services.import_update(
                    workspace=ws, actor=actor, job_id=job.pk, mapping=form.to_mapping()
                )
            except Invalid as exc:
                form.apply(exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("import_detail", ws.slug, job.pk)
            else:
                return redirect("import_preview", ws.slug, job.pk)
        status = 422
    else:
        form = MappingForm(headers=job.headers, targets=targets, mapping=job.mapping)
    with _found():
        samples = _samples(request, job)
    columns = [
        {"field": form[f"col_{i}"], "header": header, "samples": samples[i]}
        for i, header in enumerate(job.headers)
    ]
    context = {"job": job, "form": form, "columns": columns, "steps": _steps(2)}
    return render(request, "dataio/import_mapping.html", context, status=status)


def _samples(request, job: ImportJob) -> list[list[str]]:
    try:
        return selectors.import_samples(job=job)
    except Invalid as exc:
        messages.error(request, exc.message)
        return [[] for _h in job.headers]


def _options_form(job: ImportJob, data=None) -> OptionsForm:
    ws = job.workspace
    initial = dict(job.options)
    initial["team_ids"] = [str(x) for x in initial.get("team_ids") or []]
    if initial.get("default_source_id"):
        initial["default_source_id"] = str(initial["default_source_id"])
    return OptionsForm(
        data,
        entity=job.entity,
        teams=ws and _teams(ws),
        sources=category_choices(workspace=ws, kind="sources"),
        initial=initial,
    )


def _teams(workspace):
    from rapport.core.models import Team

    return Team.objects.filter(workspace=workspace).order_by("name", "id")


@require_http_methods(["GET", "POST"])
@workspace_view()
def import_preview(request, job_id: int):
    ws, actor = request.workspace, request.membership
    job = _job(request, job_id)
    if job.status not in EDITABLE or not job.file:
        return redirect("import_detail", ws.slug, job.pk)
    status = 200
    if request.method == "POST":
        form = _options_form(job, request.POST)
        if form.is_valid():
            try:
                if "start" in request.POST:
                    services.import_start(
                        workspace=ws, actor=actor, job_id=job.pk, options=form.to_options()
                    )
                    return redirect("import_detail", ws.slug, job.pk)
                job = services.import_update(
                    workspace=ws, actor=actor, job_id=job.pk, options=form.to_options()
                )
                return redirect("import_preview", ws.slug, job.pk)
            except Invalid as exc:
                form.apply(exc)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("import_detail", ws.slug, job.pk)
        status = 422
    else:
        form = _options_form(job)
    context = {"job": job, "form": form, "steps": _steps(3), **_preview(request, job, actor)}
    return render(request, "dataio/import_preview.html", context, status=status)


def _preview(request, job: ImportJob, actor) -> dict:
    try:
        rows = preview(job, actor)
    except Invalid as exc:
        messages.error(request, exc.message)
        rows = []
    labels = {t.key: t.label for t in _targets(job)}
    sources: dict[str, list[str]] = {}
    for i, key in sorted((int(i), key) for i, key in job.mapping.items()):
        for shown in ("first_name", "last_name") if key == "full_name" else (key,):
            if i < len(job.headers):
                sources.setdefault(shown, []).append(job.headers[i])
    words = {CREATE: _("New"), UPDATE: _("Update"), SKIP: _("Skip"), REJECT: _("Rejected")}
    return {
        "preview_columns": [
            {"target": labels.get(key, key), "header": ", ".join(dict.fromkeys(headers))}
            for key, headers in sources.items()
        ],
        "preview_rows": [
            {
                "number": row.number,
                "action": row.action,
                "action_label": words[row.action],
                "cells": [_shown(row, key) for key in sources],
                "reason": row.reason,
            }
            for row in rows
        ],
        "preview_counts": {
            words[a]: sum(1 for r in rows if r.action == a) for a in (CREATE, UPDATE, SKIP, REJECT)
        },
        "labels": category_choices(workspace=job.workspace, kind="labels"),
    }


def _shown(row, key: str) -> str:
    """A row's value for one field as it will be imported (as the file had it when it
    is refused)."""
    if key.startswith("custom."):
        value = row.custom.get(key[7:], row.record.get("custom", {}).get(key[7:]))
    elif key == "company":
        value = row.company
    elif key in ("source", "type"):
        value = row.category or row.record.get(key)
    elif key == "labels":
        value = row.labels
    else:
        value = row.values.get(key, row.record.get(key))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _progress_context(request, job: ImportJob) -> dict:
    progress = selectors.import_progress(job=job)
    return {
        "job": job,
        "progress": progress,
        # Done, and search not yet caught up with the new rows: say so and keep polling,
        # for a while (a catch-up that failed leaves its rows to a later one).
        "indexing": job.status == ImportStatus.DONE
        and job.finished_at is not None
        and timezone.now() - job.finished_at < INDEXING_NOTICE
        and search_selectors.catching_up(workspace_id=job.workspace_id),
        "cancelling": selectors.import_cancelling(job=job),
        "poll_seconds": POLL_SECONDS,
        "list_url": reverse(
            "contact_list" if job.entity == ImportEntity.CONTACTS else "company_list",
            args=[request.workspace.slug],
        ),
    }


@require_GET
@workspace_view()
def import_detail(request, job_id: int):
    job = _job(request, job_id)
    if job.status == ImportStatus.DRAFT and job.file:
        return redirect("import_mapping", request.workspace.slug, job.pk)
    context = {**_progress_context(request, job), "steps": _steps(4)}
    return render(request, "dataio/import_detail.html", context)


@require_GET
@workspace_view()
def import_progress(request, job_id: int):
    job = _job(request, job_id)
    return render(request, "dataio/partials/progress.html", _progress_context(request, job))


@require_POST
@workspace_view()
def import_cancel(request, job_id: int):
    ws, actor = request.workspace, request.membership
    with _found():
        try:
            job = services.import_cancel(workspace=ws, actor=actor, job_id=job_id)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, exc.message)
            return redirect("import_detail", ws.slug, job_id)
    if request.htmx:
        return render(request, "dataio/partials/progress.html", _progress_context(request, job))
    return redirect("import_detail", ws.slug, job.pk)


@require_GET
@workspace_view()
def import_rejected(request, job_id: int):
    job = _job(request, job_id)
    try:
        return rejected_response(job)
    except DomainError as exc:
        raise Http404(exc.message) from exc
