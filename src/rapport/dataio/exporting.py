"""Exports of contacts and companies: columns, rows, and the CSV/XLSX writers.

The pieces are small so that other exports (user lists) reuse them:

- `CONTACT_COLUMNS` / `COMPANY_COLUMNS` name every exportable column; `contact_columns` and
  `company_columns` resolve a `columns=` list (custom fields included, per workspace).
- `contact_rows` / `company_rows` turn a visibility-scoped, filtered queryset into rows of
  strings. They stream: `values_list(...).iterator(chunk_size=…)` (a server-side cursor on
  PostgreSQL), no model instances, and the names behind ids (labels, teams, company,
  owner…) come from dicts built once per export (small tables: categories, members,
  teams) or from one query per chunk (labels and teams of the chunk's records, the
  chunk's companies). So the number of queries grows with chunks, never with rows.
- `stream_csv` / `csv_response` write CSV in ~64 KB pieces; `xlsx_response` writes XLSX.

Cells are neutralised against CSV injection (see `neutralise`) in both formats.
"""

import csv
import datetime as dt
import io
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import FileResponse, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import Invalid

CHUNK_ROWS = 2000  # rows per database fetch and per batch of lookups
CSV_PIECE = 64 * 1024  # bytes per piece of a streamed CSV
CSV_SLICE = 256  # rows handed to csv.writer at once (C speed) between size checks
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with the BOM
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"),
# plus the full-width forms some spreadsheets also accept.
_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _text(value: str) -> str:
    return "'" + value if value[:1] in _TRIGGERS else value


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def neutralise(value: Any) -> str:
    """One cell as text that no spreadsheet will run as a formula.

    Text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return (or a full-width
    `＝＋－＠`) gets a leading `'`, as OWASP advises. We prefix *all* such text, including
    text that merely looks like a number ("-5", "+48 123 456 789"): a phone number stored
    as text is still text, and Excel would otherwise read "+48 123" as a formula (and
    break it). Real numbers (int, float, Decimal, e.g. a number custom field) are not
    text and keep their sign: `neutralise(-5) == "-5"`.

    None is "", booleans "true"/"false", dates and times ISO 8601, lists and tuples their
    items joined with "; " (the joined text is neutralised as one cell). The function is
    idempotent: a neutralised cell starts with `'`, which is not a trigger.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return _text("; ".join(_plain(v) for v in value))
    if isinstance(value, Promise):
        return _text(str(value))
    return _text(_plain(value))


# --- columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One exportable column. `header` is translatable (str() it under the user's language);
    `kind` says how a cell is made; `field` is the database column it reads."""

    key: str
    header: Any
    kind: str = "text"
    field: str = ""
    custom_type: str = ""

    @property
    def title(self) -> str:
        return str(self.header)


def _columns(*specs: tuple) -> dict[str, Column]:
    return {key: Column(key, header, kind, field) for key, header, kind, field in specs}


# kind: text (user text, neutralised), code (our own codes: no user text), int, bool,
# datetime, full_name, json_list, company, category, user, labels, teams, primary_contact
CONTACT_COLUMNS: dict[str, Column] = _columns(
    ("id", gettext_lazy("ID"), "int", "id"),
    ("first_name", gettext_lazy("First name"), "text", "first_name"),
    ("last_name", gettext_lazy("Last name"), "text", "last_name"),
    ("full_name", gettext_lazy("Name"), "full_name", ""),
    ("email", gettext_lazy("Email"), "text", "email"),
    ("phone", gettext_lazy("Phone"), "text", "phone"),
    ("other_emails", gettext_lazy("Other emails"), "json_list", "other_emails"),
    ("other_phones", gettext_lazy("Other phones"), "json_list", "other_phones"),
    ("company", gettext_lazy("Company"), "company", "company_id"),
    ("job_title", gettext_lazy("Job title"), "text", "job_title"),
    ("role", gettext_lazy("Role"), "code", "role"),
    ("source", gettext_lazy("Source"), "category", "source_id"),
    ("labels", gettext_lazy("Labels"), "labels", ""),
    ("owner", gettext_lazy("Owner"), "user", "owner_id"),
    ("visibility", gettext_lazy("Visibility"), "code", "visibility"),
    ("teams", gettext_lazy("Teams"), "teams", ""),
    ("is_active", gettext_lazy("Active"), "bool", "is_active"),
    ("is_test", gettext_lazy("Test contact"), "bool", "is_test"),
    ("created_at", gettext_lazy("Created"), "datetime", "created_at"),
    ("updated_at", gettext_lazy("Updated"), "datetime", "updated_at"),
)

COMPANY_COLUMNS: dict[str, Column] = _columns(
    ("id", gettext_lazy("ID"), "int", "id"),
    ("name", gettext_lazy("Name"), "text", "name"),
    ("domain", gettext_lazy("Domain"), "text", "domain"),
    ("website", gettext_lazy("Website"), "text", "website"),
    ("phone", gettext_lazy("Phone"), "text", "phone"),
    ("street", gettext_lazy("Street"), "text", "street"),
    ("city", gettext_lazy("City"), "text", "city"),
    ("postal_code", gettext_lazy("Postal code"), "text", "postal_code"),
    ("region", gettext_lazy("Region"), "text", "region"),
    ("country", gettext_lazy("Country"), "text", "country"),
    ("type", gettext_lazy("Type"), "category", "type_id"),
    ("role", gettext_lazy("Role"), "code", "role"),
    ("primary_contact", gettext_lazy("Primary contact"), "primary_contact", "primary_contact_id"),
    ("labels", gettext_lazy("Labels"), "labels", ""),
    ("owner", gettext_lazy("Owner"), "user", "owner_id"),
    ("created_at", gettext_lazy("Created"), "datetime", "created_at"),
    ("updated_at", gettext_lazy("Updated"), "datetime", "updated_at"),
)

# The list pages call the contact's name column "name".
ALIASES = {"contact": {"name": "full_name"}, "company": {}}

DEFAULT_KEYS = {
    "contact": [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "job_title",
        "role",
        "source",
        "labels",
        "owner",
        "created_at",
    ],
    "company": [
        "id",
        "name",
        "domain",
        "website",
        "phone",
        "city",
        "country",
        "type",
        "role",
        "labels",
        "owner",
        "created_at",
    ],
}
BUILT_IN = {"contact": CONTACT_COLUMNS, "company": COMPANY_COLUMNS}
MAX_COLUMNS = 100


def parse_column_keys(raw: str | Sequence[str] | None) -> list[str] | None:
    """`"a,b,c"` (or a list of such) as keys; None or blank means the default set."""
    if raw is None:
        return None
    parts = [raw] if isinstance(raw, str) else list(raw)
    keys = [k.strip() for part in parts for k in str(part).split(",") if k.strip()]
    return keys or None


def columns_for(*, workspace, entity: str, keys: Sequence[str] | None) -> list[Column]:
    """The columns named by `keys` (None: the default set, then every custom field), in
    that order; an unknown key is `Invalid(field="columns")` naming it."""
    from rapport.customfields.validation import definitions

    built_in = BUILT_IN[entity]
    custom = {
        f"custom.{d.key}": Column(f"custom.{d.key}", d.label, "custom", d.key, d.type)
        for d in definitions(workspace=workspace, entity=entity)
    }
    if keys is None:
        return [built_in[k] for k in DEFAULT_KEYS[entity]] + list(custom.values())
    if len(keys) > MAX_COLUMNS:
        raise Invalid(_("Choose up to %(n)d columns.") % {"n": MAX_COLUMNS}, field="columns")
    chosen: list[Column] = []
    unknown: list[str] = []
    for key in keys:
        key = ALIASES[entity].get(key, key)
        column = built_in.get(key) or custom.get(key)
        if column is None:
            unknown.append(key[:50])
        elif column not in chosen:
            chosen.append(column)
    if unknown:
        raise Invalid(
            _("Unknown column: %(names)s.") % {"names": ", ".join(unknown)}, field="columns"
        )
    if not chosen:
        raise Invalid(_("Choose at least one column."), field="columns")
    return chosen


def contact_columns(workspace, keys: Sequence[str] | None) -> list[Column]:
    return columns_for(workspace=workspace, entity="contact", keys=keys)


def company_columns(workspace, keys: Sequence[str] | None) -> list[Column]:
    return columns_for(workspace=workspace, entity="company", keys=keys)


def headers(columns: Sequence[Column]) -> list[str]:
    return [c.title for c in columns]


# --- rows ---------------------------------------------------------------------------


class Rows:
    """Export rows (lists of neutralised strings), streamed in batches.

    Iterating gives rows; `batches()` gives lists of rows, which the CSV writer hands to
    `csv.writer.writerows` whole. `neutralised = True` tells writers that every cell is
    already safe text.
    """

    neutralised = True

    def __init__(self, batches: Iterator[list[list[str]]]):
        self._batches = batches

    def batches(self) -> Iterator[list[list[str]]]:
        return self._batches

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self._batches:
            yield from batch


class _Lookups:
    """Names behind ids: small tables once per export, the chunk's links per chunk."""

    def __init__(self, workspace, actor):
        self.workspace = workspace
        self.actor = actor
        self.categories: dict[int, str] | None = None
        self.users: dict[int, str] | None = None
        self.teams: dict[int, str] | None = None
        # per chunk
        self.labels: dict[int, str] = {}
        self.team_links: dict[int, str] = {}
        self.companies: dict[int, str] = {}
        self.primary: dict[int, str] = {}

    def category_names(self) -> dict[int, str]:
        from rapport.core.models import Category

        if self.categories is None:
            self.categories = {
                pk: _text(name)
                for pk, name in Category.objects.filter(workspace=self.workspace).values_list(
                    "id", "name"
                )
            }
        return self.categories

    def user_emails(self) -> dict[int, str]:
        from rapport.core.models import Membership

        if self.users is None:
            self.users = {
                pk: _text(email)
                for pk, email in Membership.objects.filter(workspace=self.workspace).values_list(
                    "user_id", "user__email"
                )
            }
        return self.users

    def missing_users(self, ids: set[int]) -> None:
        """Owners who have left the workspace are still named (one query, rarely run)."""
        from rapport.core.models import User

        for pk, email in User.objects.filter(pk__in=ids).values_list("id", "email"):
            self.users[pk] = _text(email)

    def team_names(self) -> dict[int, str]:
        from rapport.core.models import Team

        if self.teams is None:
            self.teams = dict(
                Team.objects.filter(workspace=self.workspace).values_list("id", "name")
            )
        return self.teams


def _joined(pairs: Iterable[tuple[int, int]], names: dict[int, str]) -> dict[int, str]:
    """(record id, linked id) pairs as record id -> the linked names joined with "; "."""
    grouped: dict[int, list[str]] = {}
    for record_id, linked_id in pairs:
        name = names.get(linked_id)
        if name is not None:
            grouped.setdefault(record_id, []).append(name)
    return {pk: _text("; ".join(sorted(values))) for pk, values in grouped.items()}


def _cell_maker(column: Column, index: dict[str, int], lookups: _Lookups) -> Callable:
    """A function row -> cell string for `column`, reading `index[field]` of the row."""
    kind = column.kind
    if kind == "text":
        i = index[column.field]

        def text(row, i=i):
            v = row[i]
            return "'" + v if v[:1] in _TRIGGERS else v

        return text
    if kind == "code":
        i = index[column.field]
        return lambda row: row[i]
    if kind == "int":
        i = index[column.field]
        return lambda row: str(row[i])
    if kind == "bool":
        i = index[column.field]
        return lambda row: "true" if row[i] else "false"
    if kind == "datetime":
        i = index[column.field]

        def datetime(row, i=i):
            v = row[i]
            return v.isoformat(timespec="seconds") if v is not None else ""

        return datetime
    if kind == "full_name":
        a, b = index["first_name"], index["last_name"]

        def full_name(row):
            first, last = row[a], row[b]
            name = f"{first} {last}".strip() if first and last else (first or last)
            return "'" + name if name[:1] in _TRIGGERS else name

        return full_name
    if kind == "json_list":
        i = index[column.field]
        return lambda row: _text("; ".join(str(v) for v in row[i])) if row[i] else ""
    if kind == "category":
        i = index[column.field]
        names = lookups.category_names()
        return lambda row: names.get(row[i], "") if row[i] is not None else ""
    if kind == "user":
        i = index[column.field]
        users = lookups.user_emails()
        return lambda row: users.get(row[i], "") if row[i] is not None else ""
    if kind == "company":
        i = index[column.field]
        return lambda row: lookups.companies.get(row[i], "") if row[i] is not None else ""
    if kind == "primary_contact":
        i = index[column.field]
        return lambda row: lookups.primary.get(row[i], "") if row[i] is not None else ""
    if kind == "labels":
        i = index["id"]
        return lambda row: lookups.labels.get(row[i], "")
    if kind == "teams":
        i = index["id"]
        return lambda row: lookups.team_links.get(row[i], "")
    if kind == "custom":
        return _custom_cell(column, index[f"custom.{column.field}"])
    raise ValueError(kind)


def _custom_cell(column: Column, i: int) -> Callable:
    from rapport.customfields.models import FieldType

    if column.custom_type == FieldType.CHECKBOX:
        # The key's text is the stored JSON list, e.g. '["a", "b"]'.
        def checkbox(row):
            v = row[i]
            if v is None:
                return ""
            items = json.loads(v) if isinstance(v, str) else v
            return _text("; ".join(str(x) for x in items)) if isinstance(items, list) else ""

        return checkbox
    if column.custom_type == FieldType.NUMBER:
        # A number is a number, never a formula: no prefix for its sign.
        def number(row):
            v = row[i]
            if v is None:
                return ""
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)

        return number

    def text(row):
        v = row[i]
        if v is None:
            return ""
        if not isinstance(v, str):
            v = str(v)
        return "'" + v if v[:1] in _TRIGGERS else v

    return text


def _plan(columns: Sequence[Column], lookups: _Lookups, queryset: QuerySet):
    """The values_list queryset to read, the index of each field in its rows, and one
    row -> cell function per column."""
    fields: list[str] = ["id"]
    for column in columns:
        if column.kind == "full_name":
            needed = ["first_name", "last_name"]
        elif column.kind == "custom":
            needed = [f"custom.{column.field}"]
        elif column.field:
            needed = [column.field]
        else:
            needed = []
        fields += [f for f in needed if f not in fields]
    if any(c.kind == "user" for c in columns) and "owner_id" not in fields:
        fields.append("owner_id")
    index = {f: n for n, f in enumerate(fields)}
    # A custom value is read as the JSON key's text, not by parsing the whole `custom`
    # column of every row.
    annotations = {
        f"x_custom_{n}": KeyTextTransform(f.removeprefix("custom."), "custom")
        for n, f in enumerate(fields)
        if f.startswith("custom.")
    }
    select = [f"x_custom_{n}" if f.startswith("custom.") else f for n, f in enumerate(fields)]
    if annotations:
        queryset = queryset.annotate(**annotations)
    makers = [_cell_maker(c, index, lookups) for c in columns]
    return queryset.values_list(*select), index, makers


def _stream(
    *,
    workspace,
    actor,
    entity: str,
    queryset: QuerySet,
    columns: Sequence[Column],
    chunk_size: int,
) -> Rows:
    from rapport.customers.models import Company, CompanyLabel, ContactLabel, ContactTeam
    from rapport.customers.selectors import contact_visible

    lookups = _Lookups(workspace, actor)
    values, index, makers = _plan(columns, lookups, queryset)
    kinds = {c.kind for c in columns}
    if entity == "contact":
        label_links, label_column = ContactLabel.objects, "contact_id"
    else:
        label_links, label_column = CompanyLabel.objects, "company_id"

    def ids_at(chunk, field: str) -> set[int]:
        i = index[field]
        return {row[i] for row in chunk if row[i] is not None}

    def batches() -> Iterator[list[list[str]]]:
        for chunk in itertools.batched(values.iterator(chunk_size=chunk_size), chunk_size):
            ids = [row[0] for row in chunk]
            if "labels" in kinds:
                pairs = label_links.filter(
                    workspace=workspace, **{f"{label_column}__in": ids}
                ).values_list(label_column, "category_id")
                lookups.labels = _joined(pairs, lookups.category_names())
            if "teams" in kinds:
                pairs = ContactTeam.objects.filter(
                    workspace=workspace, contact_id__in=ids
                ).values_list("contact_id", "team_id")
                lookups.team_links = _joined(pairs, lookups.team_names())
            if "company" in kinds:
                companies = Company.objects.filter(
                    workspace=workspace, pk__in=ids_at(chunk, "company_id")
                )
                lookups.companies = {
                    pk: _text(name) for pk, name in companies.values_list("id", "name")
                }
            if "primary_contact" in kinds:
                visible = contact_visible(workspace=workspace, actor=actor).filter(
                    pk__in=ids_at(chunk, "primary_contact_id")
                )
                lookups.primary = {
                    pk: _text(f"{first} {last}".strip() or email)
                    for pk, first, last, email in visible.values_list(
                        "id", "first_name", "last_name", "email"
                    )
                }
            if "user" in kinds:
                missing = ids_at(chunk, "owner_id") - lookups.users.keys()
                if missing:
                    lookups.missing_users(missing)
            yield [[make(row) for make in makers] for row in chunk]

    return Rows(batches())


def contact_rows(
    workspace, queryset: QuerySet, columns: Sequence[Column], *, actor=None, chunk_size=None
) -> Rows:
    """Rows of neutralised strings for `queryset` (already visibility-scoped, filtered and
    ordered by the caller), streamed chunk by chunk. `actor` is only needed for columns
    that show other contacts (none for contacts)."""
    return _stream(
        workspace=workspace,
        actor=actor,
        entity="contact",
        queryset=queryset,
        columns=columns,
        chunk_size=chunk_size or CHUNK_ROWS,
    )


def company_rows(
    workspace, queryset: QuerySet, columns: Sequence[Column], *, actor, chunk_size=None
) -> Rows:
    """As `contact_rows`, for companies; a primary contact the actor may not see is blank."""
    return _stream(
        workspace=workspace,
        actor=actor,
        entity="company",
        queryset=queryset,
        columns=columns,
        chunk_size=chunk_size or CHUNK_ROWS,
    )


# --- CSV ----------------------------------------------------------------------------


def _neutralised_batches(rows: Iterable[Sequence]) -> Iterator[list[list[str]]]:
    if getattr(rows, "neutralised", False) and hasattr(rows, "batches"):
        yield from rows.batches()
        return
    for batch in itertools.batched(rows, CSV_SLICE):
        yield [[neutralise(v) for v in row] for row in batch]


def stream_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM (so Excel reads the accents), CRLF line ends, in pieces of
    about 64 KB. Every cell is neutralised (rows from `contact_rows`/`company_rows` come
    neutralised already and pass straight through)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in header])
    for batch in _neutralised_batches(rows):
        for start in range(0, len(batch), CSV_SLICE):
            writer.writerows(batch[start : start + CSV_SLICE])
            if buffer.tell() >= CSV_PIECE:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV download: the rows are read while the response is sent."""
    response = StreamingHttpResponse(
        stream_csv(header, rows), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)


# --- XLSX ---------------------------------------------------------------------------


def write_xlsx(target, header: Sequence[str], rows: Iterable[Sequence], *, title: str) -> int:
    """Write an XLSX workbook to `target` (path or binary file); return the row count.

    openpyxl's write-only workbook keeps one row at a time in memory and spools the sheet
    to its own temp file. Every cell is a string, neutralised (openpyxl would store text
    starting with "=" as a formula) and rid of the control characters XML cannot carry.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in header])
    count = 0
    sub = ILLEGAL_CHARACTERS_RE.sub
    for batch in _neutralised_batches(rows):
        count += len(batch)
        if count > XLSX_MAX_ROWS:
            raise Invalid(
                _("An Excel sheet holds at most %(n)s rows: export CSV instead.")
                % {"n": f"{XLSX_MAX_ROWS:,}"},
                field="format",
            )
        for row in batch:
            sheet.append([sub("", v) for v in row])
    workbook.save(target)
    return count


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str):
    """An XLSX download. Unlike CSV it is not streamed row by row: the workbook is written
    to a temporary file first (XLSX is a zip whose index comes last), then sent with a
    `FileResponse`, which reads it in blocks and deletes it when done."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(handle, header, rows, title=title)
        handle.seek(0, os.SEEK_SET)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, filename)


# --- one export, as the API and the CLI run it ---------------------------------------

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}
PLURAL = {"contact": "contacts", "company": "companies"}


@dataclass
class Export:
    """A prepared export: filters and columns validated, rows not read yet."""

    entity: str
    fmt: str
    filename: str
    header: list[str]
    rows: Rows | None = None
    cards: Iterator[str] | None = None

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, piece by piece (CSV and vCard; XLSX is written whole)."""
        from rapport.dataio.vcard import stream_cards

        if self.fmt == "csv":
            return stream_csv(self.header, self.rows)
        if self.fmt == "vcf":
            return stream_cards(self.cards)
        raise ValueError("XLSX is not streamed: use write() or response().")

    def write(self, out) -> None:
        """Write the file to a binary file object."""
        if self.fmt == "xlsx":
            write_xlsx(out, self.header, self.rows, title=str(_title(self.entity)))
        else:
            for chunk in self.chunks():
                out.write(chunk)

    def response(self):
        if self.fmt == "xlsx":
            return xlsx_response(
                self.filename, self.header, self.rows, title=str(_title(self.entity))
            )
        response = StreamingHttpResponse(self.chunks(), content_type=FORMATS[self.fmt])
        return _attachment(response, self.filename)


def _title(entity: str):
    return gettext_lazy("Contacts") if entity == "contact" else gettext_lazy("Companies")


def export_queryset(*, workspace, actor, entity: str, params) -> QuerySet:
    """The list's rows for `params` (the filter language): visible to the actor only,
    test contacts left out unless the filter asks, in the list's order."""
    from rapport.customers.selectors import company_visible, contact_visible
    from rapport.filters import parse_filters

    parsed = parse_filters(workspace=workspace, actor=actor, entity=entity, params=params)
    if entity == "contact":
        visible = contact_visible(workspace=workspace, actor=actor)
    else:
        visible = company_visible(workspace=workspace, actor=actor)
    return parsed.apply(visible).order_by(*parsed.order)


def export_prepare(
    *,
    workspace,
    actor,
    entity: str,
    fmt: str,
    params,
    columns: str | Sequence[str] | None = None,
    today: dt.date | None = None,
    chunk_size: int | None = None,
) -> Export:
    """Validate an export (format, filters, columns) and return it ready to run.

    Every `Invalid` is raised here, before a byte is sent: a streamed response cannot turn
    into an error page once it has started.
    """
    from django.utils import timezone

    from rapport.dataio.vcard import contact_cards

    if fmt not in FORMATS or (fmt == "vcf" and entity != "contact"):
        raise Invalid(_("Export as csv, xlsx or (contacts only) vcf."), field="format")
    queryset = export_queryset(workspace=workspace, actor=actor, entity=entity, params=params)
    day = today or timezone.localdate()
    export = Export(
        entity=entity, fmt=fmt, filename=f"{PLURAL[entity]}-{day.isoformat()}.{fmt}", header=[]
    )
    if fmt == "vcf":
        export.cards = contact_cards(workspace, queryset)
        return export
    chosen = columns_for(workspace=workspace, entity=entity, keys=parse_column_keys(columns))
    export.header = headers(chosen)
    rows = contact_rows if entity == "contact" else company_rows
    export.rows = rows(workspace, queryset, chosen, actor=actor, chunk_size=chunk_size)
    return export
