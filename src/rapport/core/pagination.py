"""Keyset (cursor) pagination: page 20,000 costs what page 1 costs."""

import base64
import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from rapport.core.errors import Invalid

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass
class Page:
    items: list
    next: str | None


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise Invalid("The cursor is not valid.", field="cursor") from exc
    if not isinstance(values, list) or len(values) != size:
        raise Invalid("The cursor is not valid.", field="cursor")
    return values


INT_MAX = 2**63 - 1


def _typed(queryset: QuerySet, fields: list[str], values: list[Any]) -> list[Any]:
    """The cursor's values as the fields' Python types; anything else is a bad cursor.

    A cursor comes from the client, so it is untrusted input like any other parameter.
    """
    typed = []
    for name, value in zip(fields, values, strict=True):
        if value is None or isinstance(value, (list, dict, bool)):
            raise Invalid("The cursor is not valid.", field="cursor")
        try:
            field = queryset.model._meta.get_field(name.split("__")[0])
        except FieldDoesNotExist:
            # An annotation (a computed sort key) converts through its output field.
            field = queryset.query.annotations[name].output_field
        try:
            value = field.to_python(value)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(value)
        except (ValidationError, TypeError, ValueError, OverflowError) as exc:
            raise Invalid("The cursor is not valid.", field="cursor") from exc
        if isinstance(value, int) and not -INT_MAX <= value <= INT_MAX:
            raise Invalid("The cursor is not valid.", field="cursor")
        if isinstance(value, str) and "\x00" in value:
            raise Invalid("The cursor is not valid.", field="cursor")
        typed.append(value)
    return typed


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit


def keyset_page(
    queryset: QuerySet, *, order: tuple[str, ...], limit: int | None, cursor: str | None
) -> Page:
    """One page of `queryset` ordered by `order` (the last field must be unique, e.g. id).

    `order` uses Django's "-field" for descending. The cursor holds the last row's values,
    so the next page is a range scan on the index instead of an OFFSET.
    """
    limit = clamp_limit(limit)
    fields = [f.lstrip("-") for f in order]
    qs = queryset.order_by(*order)
    if cursor:
        values = _typed(queryset, fields, _decode(cursor, len(fields)))
        after = _after(order, fields, values)
        qs = qs.filter(after)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode([_value(last, name) for name in fields])
    return Page(items=rows, next=next_cursor)


def _after(order: tuple[str, ...], fields: list[str], values: list[Any]):
    """The condition "comes after the cursor" in `order`.

    When every direction agrees (all our sorts) it is one row-value comparison,
    `(a, b, id) > (x, y, z)`, which SQLite and PostgreSQL answer by seeking the composite
    index at the cursor. The equivalent OR chain makes them walk the index from its start,
    so page 2,000 would cost 2,000 times page 1. Mixed directions need the OR chain.
    """
    descending = {name.startswith("-") for name in order}
    if len(descending) == 1:
        lookup = TupleLessThan if descending.pop() else TupleGreaterThan
        return lookup(Tuple(*(F(name) for name in fields)), tuple(values))
    after = Q()
    for i, name in enumerate(fields):
        op = "lt" if order[i].startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for j in range(i):
            step &= Q(**{fields[j]: values[j]})
        after |= step
    return after


def _value(row: Any, path: str) -> Any:
    for part in path.split("__"):
        row = getattr(row, part)
        if hasattr(row, "pk") and not isinstance(row, (int, str)):
            row = row.pk
    return row
