"""Multi-row INSERTs for the import's hot path.

`bulk_create` spends most of its time building model instances and preparing each field
of each one (~50-80 µs a contact here); at 20,000 rows a second the whole budget of a row
is 50 µs. These helpers take plain tuples in the order of the named fields, prepare only
what needs it (JSON, datetimes), and write `INSERT … VALUES (…), (…) [RETURNING id]`.
Defaults come from the model's fields, so a column added later without a default fails
loudly here instead of being written wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from django.db import connection, models
from psycopg.types.json import set_json_dumps

from rapport.dataio.importing import sending

PG_MAX_PARAMS = 65_535
# Statements hold one of these numbers of rows. The driver keeps the last statements it
# prepared (Python's sqlite3 128 of them), and a prepared INSERT of 2,000 rows weighs
# megabytes: with any row count allowed, every batch would add a new one and a 1M-row
# import would hold hundreds of MB of them. A few fixed sizes keep that bounded.
SIZES = (1024, 256, 64, 16, 4, 1)


def _chunks(fields: list[models.Field], rows: int) -> list[int]:
    limit = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    limit = min(limit, PG_MAX_PARAMS // len(fields))
    sizes, left = [], rows
    for size in SIZES:
        if size > limit:
            continue
        while left >= size:
            sizes.append(size)
            left -= size
    return sizes


def insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    returning: bool = False,
    prepared: bool = False,
) -> list[int]:
    """Insert `rows` (tuples ordered as `names`) into `model`'s table; the new ids in row
    order when `returning`. SQLite ≥ 3.35 and PostgreSQL both answer RETURNING in the
    order of VALUES, which `bulk_create` relies on as well. `prepared`: the caller made
    every value the backend's already (with `preparer`), so none is converted here (a
    copy of each row less: ~1 µs a row of the import's writer)."""
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f)) is not None]
    if converters and not prepared:
        rows = [_converted(row, converters) for row in rows]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        return _copy(meta, fields, columns, rows, returning)
    # SQLite's cursor wrapper rewrites every "%s" into "?" with a regex, which costs ~25 µs
    # a row on statements of thousands of rows; "?" (SQLite's own style) goes through as is.
    mark = "?" if connection.vendor == "sqlite" else "%s"
    one = "(" + ", ".join([mark] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    ids: list[int] = []
    start = 0
    with connection.cursor() as cursor:
        for size in _chunks(fields, len(rows)):
            chunk = rows[start : start + size]
            start += size
            values = ", ".join([one] * size)
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}{tail}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


_sequences: dict[str, str] = {}


def _copy(meta, fields, columns, rows, returning: bool) -> list[int]:
    """PostgreSQL: COPY, the fastest way in (~20% faster here than one INSERT … SELECT FROM
    UNNEST, and multi-row VALUES made psycopg parse 40,000 placeholders a batch). The ids,
    when wanted, are drawn from the table's sequence first (one query) and written with
    the rows, in their order. COPY goes through psycopg's own cursor: Django's query log
    does not list it."""
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    ids: list[int] = []
    sender = sending.active()
    with connection.cursor() as cursor:
        if returning:
            sequence = _sequences.get(meta.db_table)
            if sequence is None:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column]
                )
                sequence = _sequences[meta.db_table] = cursor.fetchone()[0]
            if sender is not None:
                ids = sender.ids(sequence, len(rows))
            else:
                ids = next_ids(sequence, len(rows))
            columns = f"{quote(meta.pk.column)}, {columns}"
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        types = ([_type_name(meta.pk)] if returning else []) + [_type_name(f) for f in fields]
        statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        if sender is not None:  # sent on the sender's thread, after the next batch's reads
            sender.hold(statement, types, rows)
            return ids
        copy_rows(cursor.cursor, statement, types, rows)
    return ids


def next_ids(sequence: str, count: int) -> list[int]:
    """`count` new values of the PostgreSQL `sequence`, in increasing order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [r[0] for r in cursor.fetchall()]


def copy_rows(cursor, statement: str, types: list[str], rows) -> None:
    """Binary COPY of `rows` on psycopg's `cursor`: the server reads each value as it is
    stored instead of parsing its text, and psycopg formats a row for less (a 100,000-row
    import on PostgreSQL went from ~18,700 to ~20,600 rows/s with this alone). JSON values
    come as their text already (`_converter`) and pass through as they are."""
    set_json_dumps(_as_is, context=cursor)
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _as_is(text: str) -> str:
    return text


def _type_name(field: models.Field) -> str:
    """The PostgreSQL type of `field`'s column without its modifiers (`varchar(200)` is
    `varchar`), as psycopg names the types of a binary COPY."""
    return re.sub(r"\(.*\)", "", field.db_type(connection)).strip()


def _converter(field: models.Field):
    """How a value of `field` becomes the backend's (None: as it is). JSON becomes its text
    here, as Django's SQLite adapter makes it: on PostgreSQL that text goes into COPY as
    is (the server parses it as jsonb), where Django's `Jsonb` wrapper had psycopg encode
    each value again on every row, even the shared ones (2 of the writer's 3.6 s per
    100,000 contacts). A datetime is converted once while the same moment repeats."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def encode(value) -> str:
            return json.dumps(value, cls=encoder)

        empty = {list: encode([]), dict: encode({})}
        seen: dict[int, tuple] = {}  # id -> (the value, kept alive; its text)

        def json_value(value):
            # Most rows hold no other emails, no custom values, no changes: encoded once.
            # A value object shared by many rows (an import's change records) is encoded
            # once too; `seen` lives for one insert call, while every row is referenced.
            if not value:
                return empty.get(type(value)) or encode(value)
            hit = seen.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
            text = encode(value)
            if type(value) is dict and len(seen) < 1024:
                seen[id(value)] = (value, text)
            return text

        return json_value
    if isinstance(field, models.DateTimeField):
        last: list = [None, None]

        def moment(value):
            if value is not last[0]:
                last[:] = [value, field.get_db_prep_save(value, connection)]
            return last[1]

        return moment
    return None


def preparer(model: type[models.Model], name: str):
    """The conversion `insert` applies to the values of field `name` (as they are, when
    none), for a caller that makes its rows ready itself: JSON becomes its text, a
    datetime the backend's. A fresh one per call, with its own memory of shared values.
    None stays None (NULL)."""
    convert = _converter(model._meta.get_field(name))
    if convert is None:
        return lambda value: value
    return lambda value: None if value is None else convert(value)


def _converted(row, converters) -> list:
    row = list(row)
    for i, convert in converters:
        value = row[i]
        if value is not None:
            row[i] = convert(value)
    return row


def defaults(model: type[models.Model], names: Sequence[str]) -> dict[str, object]:
    """Each named field's default, as the model would fill it in."""
    meta = model._meta
    return {name: meta.get_field(name).get_default() for name in names}
