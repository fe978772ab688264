"""The fast path of an export: the database writes every cell, Python only forwards rows.

The query itself makes each cell: the CSV-injection prefix is a `CASE` on the first
character (the same `TRIGGERS` as `cells.neutralise_text`), flags are `'true'`/`'false'`,
datetimes ISO 8601 text to the second in UTC. Names behind ids come from joins (company,
source or type, the owner's email); labels and teams are one correlated subquery each,
their names sorted by code point and joined with "; "; custom fields and the other
emails/phones are read out of the JSON by the database's own JSON functions. Rows then
go from the database cursor to `csv.writer` as they come, without a Python call per cell
or per row; that is what a 1M-row export needs to stream at the issue's 200,000 rows/s.

The cells are exactly those of `rows._transform` for the same columns (the tests compare
both paths byte for byte on SQLite and PostgreSQL, odd stored values included). Only a
company's primary contact, which depends on who may see that contact, keeps the general
path.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Concat, NullIf, Substr
from django.db.models.lookups import In
from django.db.models.sql.constants import LOUTER

from rapport.dataio.exporting.cells import TRIGGERS, Column

FAST_KINDS = frozenset(
    {
        "text",
        "code",
        "int",
        "bool",
        "datetime",
        "full_name",
        "company",
        "category",
        "user",
        "labels",
        "teams",
        "custom",
        "json_list",
    }
)
FAST_CHUNK_ROWS = 2000  # rows per fetch from the cursor (two are alive at a time)
COPY_PIECE = 64 * 1024  # bytes of COPY's CSV handed on at once


def fast_columns(columns: Sequence[Column]) -> bool:
    """Whether the database can write every cell of `columns` by itself."""
    return bool(columns) and all(c.kind in FAST_KINDS for c in columns)


class IsoSeconds(Func):
    """A datetime as ISO 8601 text to the second in UTC, `2024-05-01T09:30:00+00:00`,
    as `datetime.isoformat(timespec="seconds")` writes an aware UTC datetime."""

    output_field = TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite holds "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(substr({sql}, 1, 10) || 'T' || substr({sql}, 12, 8) || '+00:00')",
            [*params, *params],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # to_char truncates the fraction, as isoformat(timespec="seconds") does.
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"to_char(({sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')",
            params,
        )


def _safe(text) -> Case:
    """`text` with a leading `'` when it starts with a formula character."""
    return Case(
        When(In(Substr(text, 1, 1), sorted(TRIGGERS)), then=Concat(Value("'"), text)),
        default=text,
        output_field=TextField(),
    )


def _full_name() -> Case:
    """ "First Last", or whichever of the two is there."""
    return Case(
        When(
            ~Q(first_name="") & ~Q(last_name=""),
            then=Concat(F("first_name"), Value(" "), F("last_name")),
        ),
        When(~Q(first_name=""), then=F("first_name")),
        default=F("last_name"),
        output_field=TextField(),
    )


# --- cells behind ids and in JSON: raw SQL around one column of the row ------------------


class Sql(NamedTuple):
    """A piece of SQL and its parameters, in the order of its placeholders."""

    sql: str
    params: tuple = ()


def _fill(template: str, **parts: Sql) -> Sql:
    """`template` with each `{name}` replaced by that piece, parameters kept in order (a
    piece named twice brings its parameters twice). The template holds no `%s` itself."""
    params: list = []

    def put(match: re.Match) -> str:
        part = parts[match.group(1)]
        params.extend(part.params)
        return part.sql

    return Sql(re.sub(r"\{(\w+)\}", put, template), tuple(params))


# The triggers as code points, to compare with the first character's as each database
# tells it (NULL or 0 for empty text): comparing integers cost SQLite 90 ns a cell where
# comparing first characters cost 140 (0.45 µs a row of the default columns).
TRIGGER_POINTS = Sql(", ".join(["%s"] * len(TRIGGERS)), tuple(sorted(map(ord, TRIGGERS))))
FIRST_POINT = {"postgresql": "ascii", "sqlite": "unicode"}


def _neutral(x: Sql, vendor: str) -> Sql:
    """The text `x` (cheap to repeat) with a leading `'` when it starts with a trigger."""
    return _fill(
        f"CASE WHEN {FIRST_POINT[vendor]}({{x}}) IN ({{t}}) THEN '''' || {{x}} ELSE {{x}} END",
        x=x,
        t=TRIGGER_POINTS,
    )


class RawCell(Func):
    """A cell written by `build(connection, column) -> Sql` around one column of the row
    (`source`: its id, its JSON), compiled for the query it sits in."""

    output_field = TextField()
    arity = 1

    def __init__(self, source: str, build: Callable[..., Sql]):
        super().__init__(F(source))
        self.build = build

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        built = self.build(connection, Sql(sql, tuple(params)))
        return built.sql, list(built.params)


def _sorted_names(link_model, link_key: str, target_key: str, target_model):
    """The names of the row's linked records (labels, teams), sorted by code point as
    Python's `sorted` does, joined with "; " and neutralised; NULL when there are none."""
    link, target = link_model._meta, target_model._meta

    def build(connection, row_id: Sql) -> Sql:
        qn = connection.ops.quote_name
        tables = (
            f"{qn(link.db_table)} export_l JOIN {qn(target.db_table)} export_n "
            f"ON export_n.{qn('id')} = export_l.{qn(link.get_field(target_key).column)}"
        )
        link_column = qn(link.get_field(link_key).column)
        name = f"export_n.{qn('name')}"
        if connection.vendor == "postgresql":
            # "C" compares bytes: UTF-8's byte order is the code point order.
            joined = (
                f"SELECT string_agg({name}, '; ' ORDER BY {name} COLLATE \"C\") AS x "
                f"FROM {tables} WHERE export_l.{link_column} = {{row_id}}"
            )
        else:
            # SQLite before 3.44 has no ORDER BY in group_concat; it concatenates in the
            # order of an ordered subquery, which it does not flatten into an aggregate.
            # (Its BINARY collation compares UTF-8 bytes: code point order too.)
            joined = (
                "SELECT group_concat(export_s.name, '; ') AS x FROM "
                f"(SELECT {name} AS name FROM {tables} "
                f"WHERE export_l.{link_column} = {{row_id}} ORDER BY {name}) export_s"
            )
        return _fill(
            f"(SELECT {{cell}} FROM ({joined}) export_q)",
            cell=_neutral(Sql("export_q.x"), connection.vendor),
            row_id=row_id,
        )

    return build


def _grouped_names(link_model, link_key: str, target_key: str, target_model):
    """`_sorted_names` for every record of a workspace at once, as a table of
    (record_id, x) to join (PostgreSQL): one pass over the links, hashed, where a
    subquery per row would cost the executor a sub-plan run for each row."""
    link, target = link_model._meta, target_model._meta

    def build(connection, workspace_id: int, once: bool = False) -> Sql:
        qn = connection.ops.quote_name
        name = f"export_n.{qn('name')}"
        record = f"export_l.{qn(link.get_field(link_key).column)}"
        # One sort of all the links by record and name, then each record's names in that
        # order: twice as fast as string_agg(… ORDER BY …), which sorts every record's
        # few names apart. (PostgreSQL aggregates a sorted subquery's rows in its order;
        # the tests compare the cells with Python's.)
        links = (
            f"SELECT {record} AS record_id, {name} AS name "
            f"FROM {qn(link.db_table)} export_l JOIN {qn(target.db_table)} export_n "
            f"ON export_n.{qn('id')} = export_l.{qn(link.get_field(target_key).column)} "
            f"WHERE export_l.{qn('workspace_id')} = {{ws}} "
            f'ORDER BY {record}, {name} COLLATE "C"'
        )
        grouped = (
            "SELECT export_s.record_id, string_agg(export_s.name, '; ') AS x "
            f"FROM ({links}) export_s GROUP BY export_s.record_id"
        )
        # `once`: `pg_backend_pid()` is parallel restricted, which keeps this table out of
        # parallel workers: it is grouped and hashed once, above them, where each worker
        # would otherwise group every link of the workspace for itself.
        return _fill(
            f"SELECT export_g.record_id, {{cell}} AS x FROM ({grouped}) export_g"
            + (" WHERE pg_backend_pid() > 0" if once else ""),
            cell=_neutral(Sql("export_g.x"), connection.vendor),
            ws=Sql("%s", (workspace_id,)),
        )

    return build


def _link_names(link_model, link_key: str, target_key: str, target_model):
    """The workspace's links as a table of (record_id, name), one row per link, to join
    to the rows before grouping them (PostgreSQL; see `_grouped_rows`)."""
    link, target = link_model._meta, target_model._meta

    def build(connection, workspace_id: int, once: bool = False) -> Sql:
        qn = connection.ops.quote_name
        return Sql(
            f"SELECT export_l.{qn(link.get_field(link_key).column)} AS record_id, "
            f"export_n.{qn('name')} AS name "
            f"FROM {qn(link.db_table)} export_l JOIN {qn(target.db_table)} export_n "
            f"ON export_n.{qn('id')} = export_l.{qn(link.get_field(target_key).column)} "
            f"WHERE export_l.{qn('workspace_id')} = %s",
            (workspace_id,),
        )

    return build


class DerivedJoin:
    """`LEFT OUTER JOIN (subquery) alias ON alias.record_id = <the row>.id`, put in a
    query's FROM clause beside the ORM's own joins (which have no words for a derived
    table). The subquery holds at most one row per record, so rows are not repeated,
    unless it is a row per link (`_link_names`), which `_grouped_rows` groups back."""

    join_type = LOUTER
    nullable = True
    filtered_relation = None

    def __init__(
        self, alias: str, parent_alias: str, build: Callable, workspace_id: int, once: bool
    ):
        self.table_name = self.table_alias = alias
        self.parent_alias = parent_alias
        self.build = build
        self.workspace_id = workspace_id
        self.once = once

    def as_sql(self, compiler, connection):
        qn = connection.ops.quote_name
        table = self.build(connection, self.workspace_id, self.once)
        on = f"{self.table_alias}.record_id = {qn(self.parent_alias)}.{qn('id')}"
        return f"LEFT OUTER JOIN ({table.sql}) {self.table_alias} ON {on}", list(table.params)

    def relabeled_clone(self, change_map):
        return self

    def promote(self):
        return self

    def demote(self):
        return self

    def equals(self, other) -> bool:
        return self is other


def _array_items(vendor: str, value: Sql) -> Sql:
    """A JSON array's items in their order, joined with "; " and neutralised; NULL when
    `value` (JSON) is not an array or has no items."""
    if vendor == "postgresql":
        items = (
            "SELECT string_agg(export_e.v, '; ' ORDER BY export_e.n) AS x FROM "
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof({value}) = 'array' "
            "THEN {value} END) WITH ORDINALITY AS export_e(v, n)"
        )
        template = f"(SELECT {{cell}} FROM ({items}) export_q)"
    else:
        # `value` is "json, path" here: json_type and json_each take both.
        items = "SELECT group_concat(export_e.value, '; ') AS x FROM json_each({value}) export_e"
        template = (
            "(CASE WHEN json_type({value}) = 'array' "
            f"THEN (SELECT {{cell}} FROM ({items}) export_q) END)"
        )
    return _fill(template, value=value, cell=_neutral(Sql("export_q.x"), vendor))


def _json_list(connection, column: Sql) -> Sql:
    """`other_emails`, `other_phones`: the list's items."""
    if connection.vendor == "postgresql":
        return _array_items("postgresql", column)
    return _array_items(connection.vendor, _fill("{c}, '$'", c=column))


def _custom(key: str, custom_type: str):
    """A custom field's cell, as `rows._custom` makes it from what Django reads with
    `KeyTextTransform`: on PostgreSQL the key's text (`->>`); on SQLite the value as
    stored (text, integer, real) and the words "null", "true", "false" for those JSON
    values. A real is written as its JSON text, which is Python's repr of the float
    Django stored."""
    from rapport.customfields.models import FieldType

    def build(connection, column: Sql) -> Sql:
        vendor = connection.vendor
        if vendor == "postgresql":
            if custom_type == FieldType.CHECKBOX:
                return _array_items(vendor, _fill("({c} -> {k})", c=column, k=Sql("%s", (key,))))
            value = _fill("({c} ->> {k})", c=column, k=Sql("%s", (key,)))
            return value if custom_type == FieldType.NUMBER else _neutral(value, vendor)
        path = Sql("%s", (connection.ops.compile_json_path([key]),))
        at = _fill("{c}, {p}", c=column, p=path)
        if custom_type == FieldType.CHECKBOX:
            return _array_items(vendor, at)
        value = _fill("json_extract({at})", at=at)
        literal = _fill("({c} -> {p})", c=column, p=path)
        if custom_type == FieldType.NUMBER:
            # A whole number stored as a real is written as an integer; text as it is.
            text = value
            real = _fill(
                "CASE WHEN {v} = CAST({v} AS INTEGER) THEN CAST(CAST({v} AS INTEGER) AS TEXT) "
                "ELSE {literal} END",
                v=value,
                literal=literal,
            )
        else:
            text, real = _neutral(value, vendor), literal
        return _fill(
            "(CASE json_type({at}) WHEN 'text' THEN {text} WHEN 'integer' THEN "
            "CAST({v} AS TEXT) WHEN 'real' THEN {real} WHEN 'array' THEN {v} "
            "WHEN 'object' THEN {v} ELSE json_type({at}) END)",
            at=at,
            text=text,
            v=value,
            real=real,
        )

    return build


def _text(name: str) -> RawCell:
    """A text column (of the row or, through a join, of a related row) neutralised; the
    same cell as `_safe`, in plainer SQL (no COALESCE around each part)."""
    return RawCell(name, lambda connection, column: _neutral(column, connection.vendor))


def _cell(column: Column, model):
    kind, name = column.kind, column.field
    if kind == "text":
        return _text(name)
    if kind == "full_name":
        return _safe(_full_name())
    if kind == "bool":
        return Case(
            When(Q(**{name: True}), then=Value("true")),
            default=Value("false"),
            output_field=TextField(),
        )
    if kind == "datetime":
        return IsoSeconds(F(name))
    if kind == "company":
        return _text("company__name")
    if kind == "category":
        return _text(f"{name.removesuffix('_id')}__name")
    if kind == "user":
        return _text("owner__email")
    if kind in ("labels", "teams"):
        return RawCell("pk", _links(kind, model))
    if kind == "custom":
        return RawCell("custom", _custom(name, column.custom_type))
    if kind == "json_list":
        return RawCell(name, _json_list)
    return F(name)  # code, int: as stored


def _links(kind: str, model, shape=_sorted_names):
    from rapport.core.models import Category, Team
    from rapport.customers.models import CompanyLabel, Contact, ContactLabel, ContactTeam

    if kind == "teams":
        return shape(ContactTeam, "contact", "team", Team)
    if model is Contact:
        return shape(ContactLabel, "contact", "category", Category)
    return shape(CompanyLabel, "company", "category", Category)


def _query(
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    empty_as_null: bool = False,
    workspace_id: int | None = None,
    links_once: bool = False,
    by_link: bool = True,
):
    """(database alias, SQL, params, whether the rows carry columns after ours) of the
    cells' query, or None when it can match nothing. `empty_as_null` writes empty text as
    NULL (PostgreSQL's CSV quotes an empty string, csv.writer does not). With the
    `workspace_id`, PostgreSQL joins labels and teams from one grouped pass over the
    workspace's links instead of a subquery per row. `links_once` says the rows are a
    part of the workspace (a member's): then the first labels or teams column is joined
    link by link and the rows grouped after (`_grouped_rows`), and any other is grouped
    once above the parallel workers, where each worker's own pass cost more than reading
    the rows."""
    grouped = connections[queryset.db].vendor == "postgresql" and workspace_id is not None
    links = [n for n, c in enumerate(columns) if c.kind in ("labels", "teams")]
    query = queryset.query
    per_link = (
        by_link
        and grouped
        and links_once
        and bool(links)
        and bool(query.order_by)
        and all(isinstance(o, str) and not o.startswith("?") for o in query.order_by)
        and not query.distinct
    )
    cells = {}
    joins = []
    for n, column in enumerate(columns):
        if grouped and column.kind in ("labels", "teams"):
            alias = f"export_j{n}"
            joined = per_link and n == links[0]
            build = _links(column.kind, queryset.model, _link_names if joined else _grouped_names)
            joins.append((alias, build))
            cell = RawSQL(f"{alias}.{'name' if joined else 'x'}", (), output_field=TextField())
        else:
            cell = _cell(column, queryset.model)
        if empty_as_null and column.kind != "int" and not (per_link and n == links[0]):
            cell = NullIf(cell, Value(""), output_field=TextField())
        cells[f"export_{n}"] = cell
    values = queryset.annotate(**cells)
    order = None
    if per_link:
        values, order = _ordered_by_rows(values, cells, links[0])
    values = values.values_list(*cells, *(order.added if order else ()))
    if joins:
        query = values.query
        base = query.get_initial_alias()
        for alias, build in joins:
            query.alias_map[alias] = DerivedJoin(alias, base, build, workspace_id, links_once)
            query.alias_refcount[alias] = 1
    compiler = values.query.get_compiler(using=values.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. a filter that can match nothing
        return None
    width = len(cells) + (len(order.added) if order else 0)
    # DISTINCT with an ORDER BY on unselected columns selects those too, after ours.
    extra = compiler.has_extra_select or compiler.col_count != width
    if order is not None:
        if extra:  # not the plain query `_ordered_by_rows` expects: the grouped shape
            return _query(
                queryset,
                columns,
                empty_as_null=empty_as_null,
                workspace_id=workspace_id,
                links_once=links_once,
                by_link=False,
            )
        sql, params = _grouped_rows(
            Sql(sql, tuple(params)), len(cells), links[0], order, empty_as_null
        )
    return values.db, sql, params, extra


class _RowOrder(NamedTuple):
    """How a member's rows are grouped back after joining their links one by one: the
    list's order then the id (`keys`, each a cell or a column `added` after the cells,
    `descending` or not), then every other cell (`rest`)."""

    keys: tuple[str, ...]
    descending: tuple[bool, ...]
    added: tuple[str, ...]
    rest: tuple[str, ...]


def _ordered_by_rows(values: QuerySet, cells: dict, joined: int) -> tuple[QuerySet, _RowOrder]:
    """`values` (ordered by field names) ordered by the list's order, the id, every other
    cell and then the joined link's name by code point: each row's links come together,
    their names sorted."""
    order = list(values.query.order_by)
    pk = values.model._meta.pk.name
    if not any(o.lstrip("-") in ("pk", pk) for o in order):
        order.append(pk)
    keys, descending, added = [], [], {}
    for item in order:
        source = F(pk if item.lstrip("-") == "pk" else item.lstrip("-"))
        # A key that is a cell already is grouped as that cell: the same column twice
        # would hide from PostgreSQL that the rows come in the order it groups them.
        alias = next((a for a, cell in cells.items() if cell == source), None)
        if alias is None:
            alias = f"export_k{len(added)}"
            added[alias] = source
        keys.append(alias)
        descending.append(item.startswith("-"))
    rest = [a for n, a in enumerate(cells) if n != joined and a not in keys]
    name = RawSQL(f'export_j{joined}.name COLLATE "C"', (), output_field=TextField())
    values = values.annotate(**added).order_by(*order, *rest, OrderBy(name))
    return values, _RowOrder(tuple(keys), tuple(descending), tuple(added), tuple(rest))


def _grouped_rows(inner: Sql, width: int, joined: int, order: _RowOrder, null: bool) -> Sql:
    """The rows of `inner` (one per link of the joined column, ordered by
    `_ordered_by_rows`) grouped back into one per record, the link's names joined with
    "; " in the order they come: that is, sorted by code point. (PostgreSQL aggregates a
    sorted subquery's rows in its order; grouping by the keys it is sorted by, in that
    order, it reads them as they come, without sorting again.)

    Joining the links row by row and grouping after touches only the links of the rows
    read: a member's export no longer groups every link of the workspace, and all of it
    up to the final grouping runs in the parallel workers."""
    cells = []
    params: tuple = ()
    for n in range(width):
        cell = f"export_s.export_{n}"
        if n == joined:
            cell, params = _neutral(Sql(f"string_agg({cell}, '; ')"), "postgresql")
            cell = f"NULLIF({cell}, '')" if null else cell
        cells.append(cell)
    keys = [f"export_s.{k}" for k in order.keys]
    rest = [f"export_s.{k}" for k in order.rest]
    by = ", ".join(
        f"{k} DESC" if down else k for k, down in zip(keys, order.descending, strict=True)
    )
    return Sql(
        f"SELECT {', '.join(cells)} FROM ({inner.sql}) export_s "
        f"GROUP BY {', '.join(keys + rest)} ORDER BY {by}",
        params + inner.params,
    )


def fast_batches(
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    chunk_size: int | None = None,
    workspace_id: int | None = None,
    links_once: bool = False,
) -> Iterator[list[tuple]]:
    """The rows of `queryset` (scoped, filtered and ordered by the caller, in the
    workspace `workspace_id`) as finished cells of `columns`, a fetch at a time, straight
    from the cursor (a server-side one on PostgreSQL, so memory stays flat)."""
    query = _query(queryset, columns, workspace_id=workspace_id, links_once=links_once)
    if query is None:
        return
    db, sql, params, extra = query
    connection = connections[db]
    width = len(columns)
    chunked = connection.features.can_use_chunked_reads and not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )
    size = chunk_size or FAST_CHUNK_ROWS
    with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield [row[:width] for row in batch] if extra else batch
            del batch  # not held while the next one is fetched


# --- PostgreSQL writes the CSV itself ----------------------------------------------------


def copy_csv(
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    piece: int = COPY_PIECE,
    workspace_id: int | None = None,
    links_once: bool = False,
) -> Iterator[bytes] | None:
    """The rows as CSV lines, written by PostgreSQL's `COPY (…) TO STDOUT (FORMAT csv)` in
    pieces of about `piece` bytes; None where that is not possible (SQLite; a query that
    selects more than our cells), and the caller writes `fast_batches` itself.

    The bytes are those csv.writer writes for the same cells (a test compares them over
    every quoting case): COPY quotes exactly what csv.writer quotes once empty text is
    NULL, ends lines with LF where csv.writer writes CRLF, and, with one column, writes an
    empty line for an empty cell (csv.writer: `""`) and quotes a lone `\\.`. Rows come
    as the server sends them, so memory stays flat; no Python runs per cell.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    query = _query(
        queryset, columns, empty_as_null=True, workspace_id=workspace_id, links_once=links_once
    )
    if query is None:
        return iter(())
    db, sql, params, extra = query
    if extra:
        return None
    return _copy_pieces(connections[db], sql, params, width=len(columns), piece=piece)


def _copy_pieces(connection, sql: str, params, *, width: int, piece: int) -> Iterator[bytes]:
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    with connection.cursor() as cursor:
        # Logged as a query (debug, tests) like any other; psycopg's cursor does the copy.
        logged = cursor.debug_sql(statement, params) if hasattr(cursor, "debug_sql") else None
        with logged or nullcontext(), cursor.cursor.copy(statement, params) as copy:
            rows: list = []
            size = 0
            while row := copy.read():  # one row per message, ending in LF
                rows.append(row)
                size += len(row)
                if size >= piece:
                    yield _crlf(rows, width)
                    rows, size = [], 0
            if rows:
                yield _crlf(rows, width)


def _crlf(rows: list, width: int) -> bytes:
    """COPY's rows with csv.writer's line ends (and its one-column quirks)."""
    block = b"".join(rows)
    if b'"' not in block and (width > 1 or not (block[:1] == b"\n" or b"\n\n" in block)):
        return block.replace(b"\n", b"\r\n")  # no quoted cell: every LF ends a row
    lines = []
    for row in rows:
        line = bytes(row[:-1])
        if width == 1 and line in (b"", b'"\\."'):
            line = b'""' if line == b"" else b"\\."
        lines.append(line)
    lines.append(b"")
    return b"\r\n".join(lines)
