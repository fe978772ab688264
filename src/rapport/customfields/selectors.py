"""Reads of custom field definitions, and counts of the records holding their values.

Every member may read definitions (they fill in the forms that use them); writing them is
for admins, in services.py. Every query starts with the workspace.
"""

import json

from django.apps import apps
from django.db.models import Model, Prefetch, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.core.models import Workspace
from rapport.customfields.models import (
    CustomField,
    CustomOption,
    CustomSection,
    Entity,
    FieldType,
)

# The records whose `custom` JSON holds the values of each entity's fields.
RECORD_MODELS = {Entity.CONTACT: "customers.Contact", Entity.COMPANY: "customers.Company"}


def _options() -> Prefetch:
    return Prefetch("options", queryset=CustomOption.objects.order_by("position", "id"))


def section_list(*, workspace: Workspace, entity: str | None = None) -> QuerySet[CustomSection]:
    sections = CustomSection.objects.filter(workspace=workspace)
    if entity is not None:
        sections = sections.filter(entity=entity)
    return sections.order_by("entity", "position", "id")


def section_get(*, workspace: Workspace, section_id: int) -> CustomSection:
    section = CustomSection.objects.filter(workspace=workspace, pk=section_id).first()
    if section is None:
        raise NotFound(_("No such section."))
    return section


def field_list(*, workspace: Workspace, entity: str | None = None) -> QuerySet[CustomField]:
    """Fields in display order (section, then field), options prefetched: two queries."""
    fields = CustomField.objects.filter(workspace=workspace)
    if entity is not None:
        fields = fields.filter(entity=entity)
    return (
        fields.select_related("section")
        .prefetch_related(_options())
        .order_by("entity", "section__position", "section_id", "position", "id")
    )


def field_get(*, workspace: Workspace, field_id: int) -> CustomField:
    field = field_list(workspace=workspace).filter(pk=field_id).first()
    if field is None:
        raise NotFound(_("No such custom field."))
    return field


def sections_with_fields(*, workspace: Workspace, entity: str) -> list[CustomSection]:
    """The entity's sections in order, each with `field_rows` (options prefetched).

    Three queries whatever the number of sections, fields and options.
    """
    fields = CustomField.objects.order_by("position", "id").prefetch_related(_options())
    return list(
        section_list(workspace=workspace, entity=entity).prefetch_related(
            Prefetch("fields", queryset=fields, to_attr="field_rows")
        )
    )


# --- records holding values ---------------------------------------------------------


def record_model(entity: str) -> type[Model]:
    return apps.get_model(RECORD_MODELS[entity])


def value_holders(*, workspace: Workspace, field: CustomField) -> QuerySet:
    """The records with a value in `field` (an empty value is stored as an absent key)."""
    return record_model(field.entity).objects.filter(workspace=workspace, custom__has_key=field.key)


def option_candidates(*, workspace: Workspace, field: CustomField, value: str) -> QuerySet:
    """Records that may have chosen `value`, annotated with the raw value as `cf_raw`.

    Radio and dropdown compare the JSON value exactly. For checkbox lists, JSON `__contains` is
    not available on SQLite, so the list's JSON text is searched for `"value"` instead: a
    quoted slug matches whole elements only, but SQLite's LIKE ignores case, so callers
    confirm each candidate with `holds_option`.
    """
    rows = value_holders(workspace=workspace, field=field).annotate(
        cf_raw=KeyTextTransform(field.key, "custom")
    )
    if field.type == FieldType.CHECKBOX:
        return rows.filter(cf_raw__contains=f'"{value}"')
    # A JSON comparison, which each backend encodes itself (text equality does not port).
    return rows.alias(cf_value=KeyTransform(field.key, "custom")).filter(cf_value=value)


def holds_option(field: CustomField, raw: str | None, value: str) -> bool:
    if field.type != FieldType.CHECKBOX:
        return raw == value
    try:
        chosen = json.loads(raw or "[]")
    except ValueError:
        return False
    return isinstance(chosen, list) and value in chosen


def field_value_count(*, workspace: Workspace, field: CustomField) -> int:
    return value_holders(workspace=workspace, field=field).count()


def option_value_count(*, workspace: Workspace, field: CustomField, value: str) -> int:
    rows = option_candidates(workspace=workspace, field=field, value=value)
    if field.type != FieldType.CHECKBOX:
        return rows.count()
    raws = rows.values_list("cf_raw", flat=True).iterator(chunk_size=2000)
    return sum(1 for raw in raws if holds_option(field, raw, value))
