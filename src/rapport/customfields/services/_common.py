"""Helpers the custom field services share: input cleaning, locks, ordering, errors."""

import re
from typing import Any

from django.db import NotSupportedError
from django.db.models import F, Func, JSONField, Max, Model, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Invalid, NotFound
from rapport.core.models import Membership, Workspace
from rapport.customfields.models import (
    CHOICE_TYPES,
    CustomField,
    CustomOption,
    CustomSection,
    Entity,
    FieldType,
)

KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
OPTION_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_OPTIONS = 200
BATCH = 500


class InUse(Conflict):
    """Records hold the value about to be deleted; `count` says how many."""

    default_code = "in_use"

    def __init__(self, message: str, *, count: int):
        super().__init__(message, field="confirm")
        self.count = count


class _WithoutKey(Func):
    """The JSON column without one top-level key, in each database's own dialect."""

    output_field = JSONField()

    def __init__(self, column: str, key: str):
        self.key = key
        super().__init__(F(column))

    def _column(self, compiler):
        return compiler.compile(self.get_source_expressions()[0])

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = self._column(compiler)
        return f"JSON_REMOVE({sql}, %s)", [*params, f'$."{self.key}"']

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self._column(compiler)
        return f"({sql} - %s::text)", [*params, self.key]

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Custom fields need SQLite or PostgreSQL.")


def _clean_entity(entity: Any) -> str:
    if entity not in Entity.values:
        raise Invalid(_("Choose contact or company."), field="entity")
    return entity


def _clean_type(value: Any) -> str:
    if value not in FieldType.values:
        raise Invalid(_("Choose one of the field types."), field="type")
    return value


def _clean_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_("Use true or false."), field=field)
    return value


def _clean_key(key: Any) -> str:
    key = key.strip() if isinstance(key, str) else ""
    if not KEY.match(key) or "__" in key:
        raise Invalid(
            _(
                "A key starts with a letter and uses at most 50 lowercase letters, digits "
                "and single underscores."
            ),
            field="key",
        )
    return key


def _clean_option_value(value: Any, *, field: str = "value") -> str:
    value = value.strip().lower() if isinstance(value, str) else ""
    if not OPTION_VALUE.match(value):
        raise Invalid(
            _("A value uses at most 50 lowercase letters, digits, hyphens and underscores."),
            field=field,
        )
    return value


def _key_base(label: str) -> str:
    base = re.sub(r"_+", "_", slugify(label).replace("-", "_")).strip("_")
    if not base:
        return "field"
    if not base[0].isalpha():
        base = f"field_{base}"
    return base[:40].rstrip("_")


def _option_value_base(label: str) -> str:
    return slugify(label)[:40].strip("-_") or "option"


def _unique(base: str, taken: set[str], sep: str) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{sep}{n}", n + 1
    return candidate


def _next_position(rows: QuerySet) -> int:
    last = rows.aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


def _close_gap(rows: QuerySet, position: int) -> None:
    rows.filter(position__gt=position).update(position=F("position") - 1)


def _section_for_update(workspace: Workspace, section_id: int) -> CustomSection:
    section = (
        CustomSection.objects.select_for_update().filter(workspace=workspace, pk=section_id).first()
    )
    if section is None:
        raise NotFound(_("No such section."))
    return section


def _field_for_update(workspace: Workspace, field_id: int) -> CustomField:
    field = (
        CustomField.objects.select_for_update()
        .select_related("section")
        .filter(workspace=workspace, pk=field_id)
        .first()
    )
    if field is None:
        raise NotFound(_("No such custom field."))
    return field


def _choice_field_for_update(workspace: Workspace, field_id: int) -> CustomField:
    field = _field_for_update(workspace, field_id)
    if field.type not in CHOICE_TYPES:
        raise Invalid(
            _("Only radio button, checkbox and dropdown fields have options."), field="options"
        )
    return field


def _option_for_update(workspace: Workspace, field: CustomField, value: Any) -> CustomOption:
    option = None
    if isinstance(value, str) and OPTION_VALUE.match(value):
        option = (
            CustomOption.objects.select_for_update()
            .filter(workspace=workspace, field=field, value=value)
            .first()
        )
    if option is None:
        raise NotFound(_("No such option."))
    return option


def _reorder(
    rows: QuerySet,
    ids: list,
    *,
    ident: str,
    workspace: Workspace,
    actor: Membership,
    verb: str,
    summary: str,
) -> list[Model]:
    """Put `rows` in the order of `ids` (their `ident` values, each exactly once)."""
    locked = list(rows.select_for_update().order_by("pk"))
    current = [getattr(row, ident) for row in locked]
    if sorted(map(str, ids)) != sorted(map(str, current)) or len(set(ids)) != len(ids):
        raise Invalid(_("List every item exactly once."), field="ids")
    by_ident = {str(getattr(row, ident)): row for row in locked}
    before = [getattr(r, ident) for r in sorted(locked, key=lambda r: (r.position, r.pk))]
    ordered = [by_ident[str(i)] for i in ids]
    for position, row in enumerate(ordered):
        row.position = position
    rows.model.objects.bulk_update(locked, ["position"])
    after = [getattr(r, ident) for r in ordered]
    if before != after:
        record_activity(
            workspace=workspace,
            actor=actor,
            verb=verb,
            target_type=rows.model._meta.model_name,
            summary=summary,
            changes={"order": [before, after]},
        )
    return ordered


def _moved(order: list, item, offset: int) -> list:
    i = order.index(item)
    j = min(max(i + offset, 0), len(order) - 1)
    order.insert(j, order.pop(i))
    return order
