"""Fields: their keys, types and sections, and clearing their values on delete."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Invalid
from rapport.core.models import Membership, Workspace
from rapport.core.services import _clean_name, _update_recorded, require_admin
from rapport.customfields import selectors
from rapport.customfields.models import CustomField, Entity
from rapport.customfields.services._common import (
    InUse,
    _clean_bool,
    _clean_entity,
    _clean_key,
    _clean_type,
    _close_gap,
    _field_for_update,
    _key_base,
    _moved,
    _next_position,
    _reorder,
    _section_for_update,
    _unique,
    _WithoutKey,
)
from rapport.customfields.services.options import _clean_new_options, _option_insert
from rapport.customfields.services.sections import _section_for


def _save_with_key(field: CustomField, explicit: str | None) -> None:
    """Save a new field under a key unique to its workspace and entity.

    Generated keys retry with the next suffix: two admins adding "Industry" at once both
    see "industry" free, and the constraint decides who gets it.
    """
    keys = CustomField.objects.filter(workspace_id=field.workspace_id, entity=field.entity)
    for _attempt in range(5):
        if explicit:
            field.key = explicit
        else:
            base = _key_base(field.label)
            taken = set(keys.filter(key__startswith=base).values_list("key", flat=True))
            field.key = _unique(base, taken, "_")
        try:
            with transaction.atomic():
                field.save()
            return
        except IntegrityError as exc:
            if explicit:
                raise Conflict(
                    _("Another field already uses the key %(key)s.") % {"key": explicit},
                    field="key",
                ) from exc
    raise Conflict(_("Could not choose a key for this field: try again."), field="key")


def field_create(
    *,
    workspace: Workspace,
    actor: Membership,
    entity: str,
    label: str,
    type: str,
    section_id: int | None = None,
    section_name: str | None = None,
    required: bool = False,
    key: str | None = None,
    options: list[dict] | None = None,
) -> CustomField:
    """A new field at the end of its section, its key made from the label unless given.

    The section is chosen by id, or by name (created when missing), or else it is the
    entity's first section (a "Details" section when there is none). Choice fields may
    bring their options: [{"label": ..., "value"?: ...}], values made from labels.
    """
    require_admin(actor)
    entity = _clean_entity(entity)
    label = _clean_name(label, field="label")
    field_type = _clean_type(type)
    required = _clean_bool(required, "required")
    explicit_key = _clean_key(key) if key is not None else None
    new_options = _clean_new_options(field_type, options)
    with transaction.atomic():
        section = _section_for(workspace, actor, entity, section_id, section_name)
        field = CustomField(
            workspace=workspace,
            entity=entity,
            section=section,
            label=label,
            type=field_type,
            required=required,
            position=_next_position(
                CustomField.objects.filter(workspace=workspace, section=section)
            ),
        )
        _save_with_key(field, explicit_key)
        taken = {value for value, _label in new_options if value}
        for value, option_label in new_options:
            if value:
                taken.discard(value)
            _option_insert(field, value, option_label, taken)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="customfield.created",
            target=field,
            summary=f"{entity}: {label}",
            changes={"key": [None, field.key], "type": [None, field_type]},
        )
    return field


def field_update(
    *,
    workspace: Workspace,
    actor: Membership,
    field_id: int,
    label: str | None = None,
    required: bool | None = None,
    section_id: int | None = None,
    section_name: str | None = None,
    type: str | None = None,
) -> CustomField:
    """Change the label, the required flag or the section. The key never changes (values
    stay where they are) and neither does the type (stored values would not fit it)."""
    require_admin(actor)
    values: dict[str, Any] = {}
    if label is not None:
        values["label"] = _clean_name(label, field="label")
    if required is not None:
        values["required"] = _clean_bool(required, "required")
    with transaction.atomic():
        field = _field_for_update(workspace, field_id)
        if type is not None and type != field.type:
            raise Invalid(
                _("A field's type cannot change once it exists: add a new field instead."),
                field="type",
            )
        old_section, old_position = field.section, field.position
        if section_id is not None or section_name is not None:
            section = _section_for(workspace, actor, field.entity, section_id, section_name)
            if section.pk != field.section_id:
                values["section"] = section
                values["position"] = _next_position(
                    CustomField.objects.filter(workspace=workspace, section=section)
                )
        _update_recorded(
            field,
            values,
            workspace=workspace,
            actor=actor,
            verb="customfield.updated",
            summary=f"{field.entity}: {values.get('label', field.label)}",
        )
        if field.section_id != old_section.pk:
            _close_gap(
                CustomField.objects.filter(workspace=workspace, section=old_section), old_position
            )
    return field


def _field_in_use(field: CustomField, count: int) -> str:
    if field.entity == Entity.COMPANY:
        message = ngettext(
            "%(count)d company holds a value in %(label)s; delete the field and clear it?",
            "%(count)d companies hold a value in %(label)s; delete the field and clear them?",
            count,
        )
    else:
        message = ngettext(
            "%(count)d contact holds a value in %(label)s; delete the field and clear it?",
            "%(count)d contacts hold a value in %(label)s; delete the field and clear them?",
            count,
        )
    return message % {"count": count, "label": field.label}


def field_delete(
    *, workspace: Workspace, actor: Membership, field_id: int, confirm: bool = False
) -> int:
    """Delete a field and clear its values from every record; returns how many held one.

    Without `confirm`, a field that records hold values in is refused (InUse, 409).
    """
    require_admin(actor)
    with transaction.atomic():
        field = _field_for_update(workspace, field_id)
        holders = selectors.value_holders(workspace=workspace, field=field)
        count = holders.count()
        if count and not confirm:
            raise InUse(_field_in_use(field, count), count=count)
        if count:
            # One UPDATE on the database's own JSON functions: no row travels to Python.
            holders.update(custom=_WithoutKey("custom", field.key), version=F("version") + 1)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="customfield.deleted",
            target=field,
            summary=f"{field.entity}: {field.label} ({field.key})",
            changes={"values_cleared": [count, 0]} if count else None,
        )
        field.delete()
        _close_gap(
            CustomField.objects.filter(workspace=workspace, section_id=field.section_id),
            field.position,
        )
    return count


def field_reorder(
    *, workspace: Workspace, actor: Membership, section_id: int, ids: list[int]
) -> list[CustomField]:
    """Put a section's fields in the order of `ids` (each exactly once)."""
    require_admin(actor)
    with transaction.atomic():
        section = _section_for_update(workspace, section_id)
        return _reorder(
            CustomField.objects.filter(workspace=workspace, section=section),
            ids,
            ident="pk",
            workspace=workspace,
            actor=actor,
            verb="customfield.reordered",
            summary=f"{section.entity}: {section.name}",
        )


def field_move(
    *, workspace: Workspace, actor: Membership, field_id: int, offset: int
) -> list[CustomField]:
    """Move one field up (-1) or down (+1) within its section."""
    require_admin(actor)
    field = selectors.field_get(workspace=workspace, field_id=field_id)
    ids = list(
        CustomField.objects.filter(workspace=workspace, section_id=field.section_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    return field_reorder(
        workspace=workspace,
        actor=actor,
        section_id=field.section_id,
        ids=_moved(ids, field.pk, offset),
    )
