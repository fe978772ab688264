"""The fast path of an export: columns the database can write as finished cells.

When every column is one of the record's own scalar columns (text, codes, ids, flags,
dates, the full name) there is nothing to look up behind ids, so the query itself makes
each cell: the CSV-injection prefix is a `CASE` on the first character (the same
`TRIGGERS` as `cells.neutralise_text`), flags are `'true'`/`'false'`, datetimes ISO 8601
text to the second in UTC. Rows then go from the database cursor to `csv.writer` as they
come, without a Python call per cell or per row; that is what a 1M-member list's CSV
needs to stream at the issue's 200,000 rows/s.

The cells are exactly those of `rows._transform` for the same columns (the tests compare
both paths byte for byte on SQLite and PostgreSQL). Columns that need other tables
(company, source, labels, owner, teams…) or JSON (other emails, custom fields) keep the
general path.
"""

from collections.abc import Iterator, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat, Substr
from django.db.models.lookups import In

from rapport.dataio.exporting.cells import TRIGGERS, Column

FAST_KINDS = frozenset({"text", "code", "int", "bool", "datetime", "full_name"})
FAST_CHUNK_ROWS = 5000  # rows per fetch from the cursor


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


def _cell(column: Column):
    kind, name = column.kind, column.field
    if kind == "text":
        return _safe(F(name))
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
    return F(name)  # code, int: as stored


def fast_batches(
    queryset: QuerySet, columns: Sequence[Column], *, chunk_size: int | None = None
) -> Iterator[list[tuple]]:
    """The rows of `queryset` (scoped, filtered and ordered by the caller) as finished
    cells of `columns`, a fetch at a time, straight from the cursor (a server-side one on
    PostgreSQL, so memory stays flat)."""
    cells = {f"export_{n}": _cell(column) for n, column in enumerate(columns)}
    values = queryset.annotate(**cells).values_list(*cells)
    connection = connections[values.db]
    compiler = values.query.get_compiler(using=values.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. a filter that can match nothing
        return
    width = len(columns)
    # DISTINCT with an ORDER BY on unselected columns selects those too, after ours.
    extra = compiler.has_extra_select or compiler.col_count != width
    chunked = connection.features.can_use_chunked_reads and not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )
    size = chunk_size or FAST_CHUNK_ROWS
    with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield [row[:width] for row in batch] if extra else batch
