"""Rows of an export, streamed from the database a chunk at a time.

Speed is the point here (the 1M-row exports aim at 200,000 rows/s), so:

- one `values_list(...).iterator(chunk_size=…)` query (a server-side cursor on
  PostgreSQL); no model instances;
- no per-value converters: dates, flags and JSON are read as text or integers by the
  query itself (`Cast`, `KeyTextTransform`), so Django hands rows over untouched;
- a chunk is turned into cells column by column (one comprehension or `map` per column,
  no function call per cell), then zipped back into rows for `csv.writer.writerows`;
- names behind ids come from dicts: small tables once per export (categories, members,
  teams), the chunk's links (labels, team shares, companies) by one query per chunk.
  The number of queries grows with chunks, never with rows.

Columns the database can write as finished cells by itself (the record's own text, codes,
ids, flags and dates) skip all of this: see `fast`.

A cell is a neutralised `str`, an `int` (ids) or `None` (empty): csv.writer writes None as
an empty field, openpyxl leaves the cell empty.
"""

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections
from django.db.models import IntegerField, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from rapport.dataio.exporting.cells import TRIGGERS, Column, neutralise_text
from rapport.dataio.exporting.fast import copy_csv, fast_batches, fast_columns

CHUNK_ROWS = 2000  # rows per database fetch and per batch of lookups
COMPANY_CACHE = 100_000  # company names kept between chunks

Chunk = list[tuple]
Transform = Callable[[list[tuple]], Iterable]  # the chunk's columns -> one column of cells


class Rows:
    """Export rows, streamed in batches.

    `batches()` gives lists of row tuples (what csv.writer.writerows and the XLSX writer
    take whole); iterating gives each row as a list of strings, as the CSV holds them.
    `csv_lines()` gives the same rows as finished CSV bytes when the database writes
    them itself (PostgreSQL's COPY), else None. Use one of the three, once.
    `neutralised = True` tells the writers that every cell is already safe.
    """

    neutralised = True

    def __init__(
        self,
        batches: Iterator[list[tuple]],
        csv_lines: Callable[[], Iterator[bytes] | None] | None = None,
    ):
        self._batches = batches
        self._csv_lines = csv_lines

    def batches(self) -> Iterator[list[tuple]]:
        return self._batches

    def csv_lines(self) -> Iterator[bytes] | None:
        return self._csv_lines() if self._csv_lines else None

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self._batches:
            for row in batch:
                yield ["" if v is None else str(v) for v in row]


class _Lookups:
    """Names behind ids: small tables once per export, the chunk's links per chunk."""

    def __init__(self, workspace, actor, db: str):
        self.workspace = workspace
        self.actor = actor
        self.db = db
        self._categories: dict[int, str] | None = None
        self._safe_categories: dict[int, str] | None = None
        self._users: dict[int, str] | None = None
        self._teams: dict[int, str] | None = None
        # Filled for each chunk:
        self.labels: dict[int, str] = {}
        self.team_links: dict[int, str] = {}
        self.companies: dict[int, str] = {}  # kept across chunks (see COMPANY_CACHE)
        self.primary: dict[int, str] = {}

    def categories(self) -> dict[int, str]:
        from rapport.core.models import Category

        if self._categories is None:
            rows = Category.objects.using(self.db).filter(workspace=self.workspace)
            self._categories = dict(rows.values_list("id", "name"))
        return self._categories

    def safe_categories(self) -> dict[int, str]:
        if self._safe_categories is None:
            self._safe_categories = {
                pk: neutralise_text(name) for pk, name in self.categories().items()
            }
        return self._safe_categories

    def users(self) -> dict[int, str]:
        from rapport.core.models import Membership

        if self._users is None:
            seats = Membership.objects.using(self.db).filter(workspace=self.workspace)
            self._users = {
                pk: neutralise_text(email)
                for pk, email in seats.values_list("user_id", "user__email")
            }
        return self._users

    def add_users(self, ids: set[int]) -> None:
        """Owners who have left the workspace are still named (one query, rarely run)."""
        from rapport.core.models import User

        for pk, email in User.objects.using(self.db).filter(pk__in=ids).values_list("id", "email"):
            self._users[pk] = neutralise_text(email)

    def teams(self) -> dict[int, str]:
        from rapport.core.models import Team

        if self._teams is None:
            rows = Team.objects.using(self.db).filter(workspace=self.workspace)
            self._teams = dict(rows.values_list("id", "name"))
        return self._teams

    def pairs(self, model, key: str, value: str, ids: Iterable[int]) -> list[tuple]:
        """(key, value) of `model`'s rows in this workspace whose `key` is one of `ids`.

        Plain SQL with one placeholder per id: the ORM would prepare each of the chunk's
        2,000 ids one by one, which cost more than the query itself.
        """
        ids = list(ids)
        if not ids:
            return []
        connection = connections[self.db]
        qn = connection.ops.quote_name
        meta = model._meta
        key_column = qn(meta.get_field(key).column)
        value_column = qn(meta.get_field(value).column)
        marks = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT {key_column}, {value_column} FROM {qn(meta.db_table)} "
            f"WHERE {qn('workspace_id')} = %s AND {key_column} IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.workspace.pk, *ids])
            return cursor.fetchall()


def _joined(pairs: Iterable[tuple[int, int]], names: dict[int, str]) -> dict[int, str]:
    """(record id, linked id) pairs as record id -> the linked names, sorted, joined with
    "; " and neutralised."""
    grouped: dict[int, list[str]] = {}
    for record_id, linked_id in pairs:
        name = names.get(linked_id)
        if name is not None:
            grouped.setdefault(record_id, []).append(name)
    return {pk: neutralise_text("; ".join(sorted(values))) for pk, values in grouped.items()}


# --- reading ---------------------------------------------------------------------------


def _reads(column: Column, vendor: str) -> list[tuple[str, Any]]:
    """(name in the row, what the query selects) for each value `column` needs. Values
    that Django would convert row by row are read already converted by the database."""
    kind, name = column.kind, column.field
    if kind == "full_name":
        return [("first_name", "first_name"), ("last_name", "last_name")]
    if kind == "datetime" and vendor == "sqlite":
        # SQLite stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; Django would parse each.
        # (PostgreSQL's driver hands over datetimes itself; its text form would depend
        # on the server's DateStyle.)
        return [(name, Cast(name, TextField()))]
    if kind == "bool":
        return [(name, Cast(name, IntegerField()))]
    if kind == "json_list":
        return [(name, Cast(name, TextField()))]
    if kind == "custom":
        return [(f"custom.{name}", KeyTextTransform(name, "custom"))]
    if kind == "user":
        return [("owner_id", "owner_id")]
    if name:
        return [(name, name)]
    return []


def _select(queryset: QuerySet, columns: Sequence[Column]) -> tuple[QuerySet, dict[str, int]]:
    """The values_list query and the position of each value in its rows (id first)."""
    vendor = connections[queryset.db].vendor
    reads: dict[str, Any] = {"id": "id"}
    for column in columns:
        for name, source in _reads(column, vendor):
            reads.setdefault(name, source)
    annotations = {
        f"export_{n}": source
        for n, source in enumerate(reads.values())
        if not isinstance(source, str)
    }
    selected = [
        source if isinstance(source, str) else f"export_{n}"
        for n, source in enumerate(reads.values())
    ]
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.values_list(*selected), {name: n for n, name in enumerate(reads)}


# --- cells, a column at a time ------------------------------------------------------------


def _transform(column: Column, at: dict[str, int], lookups: _Lookups) -> Transform:
    kind = column.kind
    t = TRIGGERS
    if kind in ("text", "code", "int", "bool", "datetime", "json_list", "category"):
        i = at[column.field]
    if kind == "text":
        # Non-null text columns: neutralised inline, no call per cell.
        return lambda cols: [("'" + v) if v[:1] in t else v for v in cols[i]]
    if kind in ("code", "int"):
        return lambda cols: cols[i]
    if kind == "bool":
        return lambda cols: ["true" if v else "false" for v in cols[i]]
    if kind == "datetime":
        # ISO 8601 to the second, in UTC: SQLite's text, PostgreSQL's aware datetimes.
        return lambda cols: [
            f"{v[:10]}T{v[11:19]}+00:00"
            if type(v) is str
            else (None if v is None else v.isoformat(timespec="seconds"))
            for v in cols[i]
        ]
    if kind == "full_name":
        a, b = at["first_name"], at["last_name"]

        def full_name(cols):
            pairs = zip(cols[a], cols[b], strict=True)
            names = [f"{x} {y}" if x and y else x or y for x, y in pairs]
            return [("'" + v) if v[:1] in t else v for v in names]

        return full_name
    if kind == "json_list":
        return lambda cols: [
            neutralise_text("; ".join(str(x) for x in json.loads(v))) if v and v != "[]" else None
            for v in cols[i]
        ]
    if kind == "category":
        names = lookups.safe_categories()
        return lambda cols: map(names.get, cols[i])
    if kind == "user":
        users = lookups.users()
        o = at["owner_id"]

        def owner(cols):
            missing = {v for v in cols[o] if v is not None} - users.keys()
            if missing:
                lookups.add_users(missing)
            return map(users.get, cols[o])

        return owner
    if kind == "company":
        c = at["company_id"]
        return lambda cols: map(lookups.companies.get, cols[c])
    if kind == "primary_contact":
        p = at["primary_contact_id"]
        return lambda cols: map(lookups.primary.get, cols[p])
    if kind == "labels":
        return lambda cols: map(lookups.labels.get, cols[0])
    if kind == "teams":
        return lambda cols: map(lookups.team_links.get, cols[0])
    if kind == "custom":
        return _custom(column, at[f"custom.{column.field}"])
    raise ValueError(f"unknown column kind {kind}")


def _custom(column: Column, i: int) -> Transform:
    """A custom field's cells. The value is the JSON key's text: a str on PostgreSQL; on
    SQLite a str, int or float as stored; a checkbox's list as JSON text on both."""
    from rapport.customfields.models import FieldType

    t = TRIGGERS
    if column.custom_type == FieldType.CHECKBOX:

        def checkbox(value):
            items = json.loads(value) if isinstance(value, str) else value
            return neutralise_text("; ".join(str(x) for x in items)) if items else None

        return lambda cols: [checkbox(v) if v is not None else None for v in cols[i]]
    if column.custom_type == FieldType.NUMBER:
        # A number is a number, never a formula: its sign gets no prefix.
        return lambda cols: [
            None if v is None else str(int(v)) if type(v) is float and v.is_integer() else str(v)
            for v in cols[i]
        ]
    return lambda cols: [
        (("'" + v) if v[:1] in t else v) if type(v) is str else (None if v is None else str(v))
        for v in cols[i]
    ]


# --- the stream --------------------------------------------------------------------------


def _stream(
    *,
    workspace,
    actor,
    entity: str,
    queryset: QuerySet,
    columns: Sequence[Column],
    chunk_size: int | None,
    fast: bool,
) -> Rows:
    from rapport.customers.models import Company, CompanyLabel, ContactLabel, ContactTeam
    from rapport.customers.selectors import contact_visible

    if fast and fast_columns(columns):
        # A member reads a part of the contacts: their links are grouped once (see fast).
        part = entity == "contact" and actor is not None and not actor.is_owner
        links = {"workspace_id": workspace.pk, "links_once": part}
        return Rows(
            fast_batches(queryset, columns, chunk_size=chunk_size, **links),
            csv_lines=lambda: copy_csv(queryset, columns, **links),
        )
    values, at = _select(queryset, columns)
    chunk_size = chunk_size or CHUNK_ROWS
    lookups = _Lookups(workspace, actor, values.db)
    transforms = [_transform(c, at, lookups) for c in columns]
    kinds = {c.kind for c in columns}
    if entity == "contact":
        label_model, label_key = ContactLabel, "contact"
    else:
        label_model, label_key = CompanyLabel, "company"

    def prepare(cols: list[tuple]) -> None:
        """The chunk's links, one query each."""
        ids = cols[0]
        if "labels" in kinds:
            pairs = lookups.pairs(label_model, label_key, "category", ids)
            lookups.labels = _joined(pairs, lookups.categories())
        if "teams" in kinds:
            pairs = lookups.pairs(ContactTeam, "contact", "team", ids)
            lookups.team_links = _joined(pairs, lookups.teams())
        if "company" in kinds:
            # Companies recur from chunk to chunk: keep their names, up to a bound.
            known = lookups.companies
            wanted = set(cols[at["company_id"]]) - {None} - known.keys()
            if len(known) + len(wanted) > COMPANY_CACHE:
                known.clear()
                wanted = set(cols[at["company_id"]]) - {None}
            for pk, name in lookups.pairs(Company, "id", "name", wanted):
                known[pk] = neutralise_text(name)
        if "primary_contact" in kinds:
            wanted = set(cols[at["primary_contact_id"]]) - {None}
            visible = contact_visible(workspace=workspace, actor=actor).filter(pk__in=wanted)
            lookups.primary = {
                pk: neutralise_text(f"{first} {last}".strip() or email)
                for pk, first, last, email in visible.values_list(
                    "id", "first_name", "last_name", "email"
                )
            }

    def batches() -> Iterator[list[tuple]]:
        for chunk in itertools.batched(values.iterator(chunk_size=chunk_size), chunk_size):
            cols = list(zip(*chunk, strict=True))
            prepare(cols)
            yield list(zip(*[transform(cols) for transform in transforms], strict=True))

    return Rows(batches())


def contact_rows(
    workspace,
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    actor=None,
    chunk_size: int | None = None,
    fast: bool = True,
) -> Rows:
    """The export rows of `queryset` (already visibility-scoped, filtered and ordered by the
    caller) in `columns`, streamed chunk by chunk. No contact column shows other contacts,
    so `actor` is optional here. `fast=False` keeps plain columns on the general path
    (the tests compare both)."""
    return _stream(
        workspace=workspace,
        actor=actor,
        entity="contact",
        queryset=queryset,
        columns=columns,
        chunk_size=chunk_size,
        fast=fast,
    )


def company_rows(
    workspace,
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    actor,
    chunk_size: int | None = None,
    fast: bool = True,
) -> Rows:
    """As `contact_rows`, for companies; a primary contact the actor may not see is blank."""
    return _stream(
        workspace=workspace,
        actor=actor,
        entity="company",
        queryset=queryset,
        columns=columns,
        chunk_size=chunk_size,
        fast=fast,
    )
