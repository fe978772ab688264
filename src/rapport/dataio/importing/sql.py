"""Multi-row INSERTs for the import's hot path.

`bulk_create` spends most of its time building model instances and preparing each field
of each one (~50-80 µs a contact here); at 20,000 rows a second the whole budget of a row
is 50 µs. These helpers take plain tuples in the order of the named fields, prepare only
what needs it (JSON), and write one `INSERT … VALUES (…), (…) [RETURNING id]` per chunk.
Defaults come from the model's fields, so a column added later without a default fails
loudly here instead of being written wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

PG_MAX_PARAMS = 65_535


def _chunk_size(fields: list[models.Field], rows: int) -> int:
    size = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    return max(1, min(size, PG_MAX_PARAMS // len(fields)))


def insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    returning: bool = False,
) -> list[int]:
    """Insert `rows` (tuples ordered as `names`) into `model`'s table; the new ids in row
    order when `returning`. SQLite ≥ 3.35 and PostgreSQL both answer RETURNING in the
    order of VALUES, which `bulk_create` relies on as well."""
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    # JSON and datetimes need the backend's form; everything else goes in as it is.
    prepare = [
        i for i, f in enumerate(fields) if isinstance(f, (models.JSONField, models.DateTimeField))
    ]
    if prepare:
        rows = [_prepared(row, fields, prepare) for row in rows]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    ids: list[int] = []
    size = _chunk_size(fields, len(rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}{tail}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _prepared(row, fields, at) -> list:
    row = list(row)
    for i in at:
        value = row[i]
        if value is not None:
            row[i] = fields[i].get_db_prep_save(value, connection)
    return row


def defaults(model: type[models.Model], names: Sequence[str]) -> dict[str, object]:
    """Each named field's default, as the model would fill it in."""
    meta = model._meta
    return {name: meta.get_field(name).get_default() for name in names}
