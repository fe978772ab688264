"""Duplicates and merge pages: the list of likely duplicates, and the side-by-side merge.

Resolve the membership, read through the duplicates selector or merge a set through the
service, render. A record the actor may not see is a 404 here as everywhere.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core.access import workspace_view
from rapport.core.errors import DomainError, Invalid, NotFound
from rapport.customers import duplicates, selectors, services
from rapport.customers.models import Company, Contact, Note
from rapport.customers.services.merge import MAX_RECORDS, merge_defaults
from rapport.customfields.models import CHOICE_TYPES
from rapport.customfields.validation import FieldDef, definitions
from rapport.filters import parse_filters

PER_PAGE = 20
PICKER_RESULTS = 10

REASON_LABELS = {
    "email": gettext_lazy("Same email"),
    "phone": gettext_lazy("Same phone"),
    "name": gettext_lazy("Same name"),
    "domain": gettext_lazy("Same domain"),
}
COMPANY_NAME_LABEL = gettext_lazy("Similar name")


@dataclass(frozen=True)
class Kind:
    entity: str
    list_url: str
    duplicates_url: str
    scan_url: str
    merge_url: str
    detail_url: str


KINDS = {
    "contact": Kind(
        "contact",
        "contact_list",
        "contact_duplicates",
        "contact_duplicates_scan",
        "contact_merge",
        "contact_detail",
    ),
    "company": Kind(
        "company",
        "company_list",
        "company_duplicates",
        "company_duplicates_scan",
        "company_merge",
        "company_detail",
    ),
}


def _reason_label(entity: str, reason: str):
    if entity == "company" and reason == "name":
        return COMPANY_NAME_LABEL
    return REASON_LABELS[reason]


def _merge_link(request, kind: Kind, ids: list[int]) -> str:
    first, *rest = ids[:MAX_RECORDS]
    url = reverse(kind.merge_url, args=[request.workspace.slug, first])
    return f"{url}?{urlencode([('with', pk) for pk in rest])}"


# --- the duplicates list ----------------------------------------------------------------


def _duplicates(request, entity: str):
    ws, actor, kind = request.workspace, request.membership, KINDS[entity]
    reason = request.GET.get("reason") or None
    if reason not in (None, *duplicates.REASONS[entity]):
        raise Http404("No such reason.")
    duplicates.duplicates_refresh(workspace=ws, entity=entity)
    try:
        page = duplicates.duplicate_page(
            workspace=ws,
            actor=actor,
            entity=entity,
            reason=reason,
            limit=PER_PAGE,
            cursor=request.GET.get("cursor") or None,
        )
    except Invalid as exc:
        raise Http404(exc.message) from exc
    recent = page.checked_at and timezone.now() - page.checked_at < dt.timedelta(minutes=1)
    for group in page.items:
        group.label = _reason_label(entity, group.reason)
        group.merge_url = _merge_link(request, kind, group.ids)
        group.too_many = group.size > MAX_RECORDS
    base = reverse(kind.duplicates_url, args=[ws.slug])
    reasons = [
        {"key": "", "label": _("All"), "url": base, "current": reason is None},
        *(
            {
                "key": r,
                "label": _reason_label(entity, r),
                "url": f"{base}?{urlencode({'reason': r})}",
                "current": reason == r,
            }
            for r in duplicates.REASONS[entity]
        ),
    ]
    next_url = None
    if page.next:
        next_url = (
            f"{base}?{urlencode({**({'reason': reason} if reason else {}), 'cursor': page.next})}"
        )
    context = {
        "kind": kind,
        "page": page,
        "reasons": reasons,
        "reason": reason,
        "next_url": next_url,
        "first_url": f"{base}?{urlencode({'reason': reason})}" if reason else base,
        "paged": bool(request.GET.get("cursor")),
        "checked_recently": recent,
        "max_records": MAX_RECORDS,
    }
    if request.htmx and request.GET.get("poll"):
        return render(request, "customers/merge/partials/groups.html", context)
    return render(request, "customers/merge/duplicates.html", context)


@require_http_methods(["GET"])
@workspace_view()
def contact_duplicates(request):
    return _duplicates(request, "contact")


@require_http_methods(["GET"])
@workspace_view()
def company_duplicates(request):
    return _duplicates(request, "company")


def _scan(request, entity: str):
    scan = duplicates.duplicates_refresh(workspace=request.workspace, entity=entity, force=True)
    if duplicates.scan_state(scan)["scanning"]:
        messages.info(request, _("Looking for duplicates again. This page updates when done."))
    else:
        messages.success(request, _("Checked for duplicates just now."))
    return redirect(KINDS[entity].duplicates_url, request.workspace.slug)


@require_POST
@workspace_view()
def contact_duplicates_scan(request):
    return _scan(request, "contact")


@require_POST
@workspace_view()
def company_duplicates_scan(request):
    return _scan(request, "company")


# --- the merge page ---------------------------------------------------------------------


@dataclass
class Cell:
    record_id: int
    text: str
    empty: bool
    checked: bool = False


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len({c.text for c in self.cells}) > 1


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _custom_text(d: FieldDef, value) -> str:
    if value in (None, "", []):
        return ""
    labels = dict(d.options) if d.type in CHOICE_TYPES else {}
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, bool):
        return _yes_no(value)
    return str(labels.get(value, value))


def _contact_rows(records: list[Contact]) -> list[tuple[str, str, callable]]:
    return [
        ("first_name", _("First name"), lambda r: r.first_name),
        ("last_name", _("Last name"), lambda r: r.last_name),
        ("email", _("Email"), lambda r: r.email),
        ("phone", _("Phone"), lambda r: r.phone),
        ("company_id", _("Company"), lambda r: r.company.name if r.company else ""),
        ("job_title", _("Job title"), lambda r: r.job_title),
        ("role", _("Role"), lambda r: r.get_role_display()),
        ("source_id", _("Source"), lambda r: r.source.name if r.source else ""),
        ("owner_id", _("Owner"), lambda r: r.owner.display_name if r.owner else ""),
        ("is_active", _("Active"), lambda r: _yes_no(r.is_active)),
        ("is_test", _("Test contact"), lambda r: _yes_no(r.is_test)),
    ]


def _company_rows(records: list[Company], visible_primary: set[int]):
    def primary(r):
        if r.primary_contact_id is None:
            return ""
        if r.primary_contact_id in visible_primary:
            return str(r.primary_contact)
        return _("A contact you cannot see")

    return [
        ("name", _("Name"), lambda r: r.name),
        ("domain", _("Domain"), lambda r: r.domain),
        ("website", _("Website"), lambda r: r.website),
        ("phone", _("Phone"), lambda r: r.phone),
        ("street", _("Street"), lambda r: r.street),
        ("postal_code", _("Postal code"), lambda r: r.postal_code),
        ("city", _("City"), lambda r: r.city),
        ("region", _("Region"), lambda r: r.region),
        ("country", _("Country"), lambda r: r.country),
        ("type_id", _("Company type"), lambda r: r.type.name if r.type else ""),
        ("role", _("Role"), lambda r: r.get_role_display()),
        ("primary_contact_id", _("Primary contact"), primary),
        ("owner_id", _("Owner"), lambda r: r.owner.display_name if r.owner else ""),
    ]


def _custom_of(d: FieldDef):
    return lambda r: _custom_text(d, (r.custom or {}).get(d.key))


def _rows(records, specs, defs: list[FieldDef], picked: dict[str, int]) -> list[Row]:
    rows = []
    specs = [
        *specs,
        *(
            (
                f"custom.{d.key}",
                d.label,
                lambda r, d=d: _custom_text(d, (r.custom or {}).get(d.key)),
            )
            for d in defs
        ),
    ]
    for key, label, text_of in specs:
        row = Row(key=key, label=label)
        for r in records:
            text = text_of(r)
            row.cells.append(
                Cell(record_id=r.pk, text=text, empty=not text, checked=picked.get(key) == r.pk)
            )
        rows.append(row)
    return rows


def _ids_from(values: list[str]) -> list[int]:
    ids = []
    for raw in values:
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 and int(raw) > 0):
            raise Http404("No such record.")
        if int(raw) not in ids:
            ids.append(int(raw))
    return ids


def _merge_records(request, entity: str, record_id: int, others: list[int]):
    """The records of the merge, the page's first; 404 for any the actor may not see."""
    ws, actor = request.workspace, request.membership
    ids = [record_id, *(pk for pk in others if pk != record_id)][:MAX_RECORDS]
    if entity == "contact":
        qs = selectors.with_contact_details(
            selectors.contact_visible(workspace=ws, actor=actor).filter(pk__in=ids)
        )
    else:
        qs = selectors.with_company_details(
            selectors.company_visible(workspace=ws, actor=actor).filter(pk__in=ids)
        )
    found = {r.pk: r for r in qs}
    if len(found) != len(ids):
        raise Http404("No such record.")
    return [found[pk] for pk in ids]


def _picker(request, kind: Kind, record) -> dict:
    """When the page is opened without the others: likely duplicates and a search."""
    ws, actor = request.workspace, request.membership
    duplicates.duplicates_refresh(workspace=ws, entity=kind.entity)
    suggested = {}
    for group in duplicates.duplicates_of(
        workspace=ws, actor=actor, entity=kind.entity, record_id=record.pk
    ):
        why = _reason_label(kind.entity, group.reason)
        for r in group.records:
            if r.pk != record.pk:
                suggested.setdefault(r.pk, (r, why, group.reason))
    q = request.GET.get("q", "").strip()
    results, error = [], ""
    if q:
        try:
            parsed = parse_filters(workspace=ws, actor=actor, entity=kind.entity, params={"q": q})
        except Invalid as exc:
            error = exc.message
        else:
            if kind.entity == "contact":
                visible = selectors.contact_visible(workspace=ws, actor=actor)
            else:
                visible = selectors.company_visible(workspace=ws, actor=actor)
            qs = (
                parsed.apply(visible)
                .exclude(pk__in=[record.pk, *suggested])
                .order_by(*parsed.order)
            )
            if kind.entity == "contact":
                qs = qs.select_related("company")
            results = list(qs[:PICKER_RESULTS])
    return {
        "suggested": list(suggested.values())[: MAX_RECORDS - 1],
        "q": q,
        "results": results,
        "search_error": error,
    }


def _merge_page(request, entity: str, record_id: int):
    ws, actor, kind = request.workspace, request.membership, KINDS[entity]
    source = request.POST if request.method == "POST" else request.GET
    others = _ids_from(source.getlist("with"))
    records = _merge_records(request, entity, record_id, others)
    record = records[0]
    if len(records) == 1 or (request.method == "GET" and request.GET.get("search")):
        context = {
            "kind": kind,
            "record": record,
            "chosen": {r.pk for r in records[1:]},
            "searched": bool(request.GET.get("search")),
            **_picker(request, kind, record),
        }
        return render(request, "customers/merge/pick.html", context)
    defs = definitions(workspace=ws, entity=entity)
    ids = [r.pk for r in records]
    error, errors, status = "", [], 200
    picked = merge_defaults(records, entity, [d.key for d in defs])
    survivor_id = record.pk
    if request.method == "POST":
        survivor_id = _ids_from([request.POST.get("survivor", "")])[0]
        if survivor_id not in ids:
            raise Http404("No such record.")
        fields = {}
        for key in picked:
            raw = request.POST.get(f"f_{key}")
            if raw:
                fields[key] = _ids_from([raw])[0]
        picked.update(fields)
        merge = services.contact_merge if entity == "contact" else services.company_merge
        id_name = "contact_id" if entity == "contact" else "company_id"
        try:
            survivor = merge(
                workspace=ws,
                actor=actor,
                other_ids=[pk for pk in ids if pk != survivor_id],
                fields=fields,
                **{id_name: survivor_id},
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            error, errors, status = exc.message, exc.errors, exc.status
        else:
            n = len(ids) - 1
            if entity == "contact":
                notice = ngettext(
                    "Merged %(n)d contact into %(name)s.", "Merged %(n)d contacts into %(name)s.", n
                )
            else:
                notice = ngettext(
                    "Merged %(n)d company into %(name)s.",
                    "Merged %(n)d companies into %(name)s.",
                    n,
                )
            messages.success(request, notice % {"n": n, "name": survivor})
            return redirect(kind.detail_url, ws.slug, survivor.pk)
    context = {
        "kind": kind,
        "records": records,
        "survivor_id": survivor_id,
        "rows": _rows(records, _specs(request, entity, records), defs, picked),
        "combined": _combined(request, entity, records),
        "summary": _summary(entity, records),
        "error": error,
        "errors": [e for e in errors if e.get("field")],
        "others": [r.pk for r in records[1:]],
    }
    return render(request, "customers/merge/merge.html", context, status=status)


def _specs(request, entity: str, records):
    if entity == "contact":
        return _contact_rows(records)
    primary = [r.primary_contact_id for r in records if r.primary_contact_id]
    visible = set(
        selectors.contact_visible(workspace=request.workspace, actor=request.membership)
        .filter(pk__in=primary)
        .values_list("pk", flat=True)
    )
    return _company_rows(records, visible)


def _note_counts(entity: str, records) -> dict[int, int]:
    column = "contact_id" if entity == "contact" else "company_id"
    rows = (
        Note.objects.filter(**{f"{column}__in": [r.pk for r in records]})
        .values(column)
        .annotate(n=Count("pk"))
        .values_list(column, "n")
    )
    return dict(rows)


def _count(text: str, counts: dict, record) -> str:
    n = counts.get(record.pk, 0)
    return text % {"n": n} if n else ""


def _combined(request, entity: str, records) -> list[Row]:
    """What is combined rather than picked: one row per kind, each record's part."""
    notes = _note_counts(entity, records)
    rows = []

    def row(key, label, text_of):
        r = Row(key=key, label=label)
        for record in records:
            text = text_of(record)
            r.cells.append(Cell(record_id=record.pk, text=text, empty=not text))
        rows.append(r)

    if entity == "contact":
        row("other_emails", _("Other emails"), lambda r: ", ".join(r.other_emails or []))
        row("other_phones", _("Other phones"), lambda r: ", ".join(r.other_phones or []))
        row(
            "teams",
            _("Shared with"),
            lambda r: (
                ", ".join(s.team.name for s in r.shares.all()) if r.visibility == "teams" else ""
            ),
        )
    else:
        contacts = dict(
            Contact.objects.filter(
                workspace=request.workspace, company_id__in=[r.pk for r in records]
            )
            .values("company_id")
            .annotate(n=Count("pk"))
            .values_list("company_id", "n")
        )
        row(
            "contacts",
            _("Contacts"),
            lambda r: (
                ngettext("%(n)d contact", "%(n)d contacts", contacts.get(r.pk, 0))
                % {"n": contacts.get(r.pk, 0)}
                if contacts.get(r.pk)
                else ""
            ),
        )
        for record in records:
            record.contact_count = contacts.get(record.pk, 0)
    row("labels", _("Labels"), lambda r: ", ".join(x.name for x in r.label_list))
    row(
        "notes",
        _("Notes"),
        lambda r: (
            ngettext("%(n)d note", "%(n)d notes", notes.get(r.pk, 0)) % {"n": notes.get(r.pk, 0)}
            if notes.get(r.pk)
            else ""
        ),
    )
    for record in records:
        record.note_count = notes.get(record.pk, 0)
    return rows


def _summary(entity: str, records) -> dict:
    labels = {x.pk for r in records for x in r.label_list}
    summary = {
        "others": len(records) - 1,
        "notes": sum(getattr(r, "note_count", 0) for r in records),
        "labels": len(labels),
    }
    if entity == "contact":
        summary["teams"] = len(
            {s.team_id for r in records if r.visibility == "teams" for s in r.shares.all()}
        )
        summary["emails"] = len(
            {e.lower() for r in records for e in [r.email, *(r.other_emails or [])] if e}
        )
    else:
        summary["contacts"] = sum(getattr(r, "contact_count", 0) for r in records)
    return summary


@require_http_methods(["GET", "POST"])
@workspace_view()
def contact_merge(request, contact_id: int):
    return _merge_page(request, "contact", contact_id)


@require_http_methods(["GET", "POST"])
@workspace_view()
def company_merge(request, company_id: int):
    return _merge_page(request, "company", company_id)


urlpatterns = [
    path("contacts/duplicates/", contact_duplicates, name="contact_duplicates"),
    path("contacts/duplicates/scan/", contact_duplicates_scan, name="contact_duplicates_scan"),
    path("contacts/<id:contact_id>/merge/", contact_merge, name="contact_merge"),
    path("companies/duplicates/", company_duplicates, name="company_duplicates"),
    path("companies/duplicates/scan/", company_duplicates_scan, name="company_duplicates_scan"),
    path("companies/<id:company_id>/merge/", company_merge, name="company_merge"),
]
