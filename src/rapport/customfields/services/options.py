"""Options of radio button, checkbox and dropdown fields."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Invalid, NotFound
from rapport.core.models import Membership, Workspace
from rapport.core.services import _clean_name, _update_recorded, require_admin
from rapport.customfields import selectors
from rapport.customfields.models import CHOICE_TYPES, CustomField, CustomOption, Entity, FieldType
from rapport.customfields.services._common import (
    BATCH,
    MAX_OPTIONS,
    InUse,
    _choice_field_for_update,
    _clean_option_value,
    _close_gap,
    _moved,
    _next_position,
    _option_for_update,
    _option_value_base,
    _reorder,
    _unique,
    _WithoutKey,
)


def _clean_new_options(field_type: str, options: list | None) -> list[tuple[str | None, str]]:
    """(value or None, label) pairs from [{"value"?, "label"}], checked before any write."""
    if not options:
        return []
    if field_type not in CHOICE_TYPES:
        raise Invalid(
            _("Only radio button, checkbox and dropdown fields have options."), field="options"
        )
    if not isinstance(options, list) or len(options) > MAX_OPTIONS:
        raise Invalid(_("Give at most %(n)d options.") % {"n": MAX_OPTIONS}, field="options")
    cleaned, seen = [], set()
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            raise Invalid(_("Give each option a label."), field=f"options.{i}")
        label = _clean_name(option.get("label"), field=f"options.{i}.label")
        value = option.get("value")
        if value is not None and value != "":
            value = _clean_option_value(value, field=f"options.{i}.value")
            if value in seen:
                raise Conflict(
                    _("Two options have the value %(value)s.") % {"value": value},
                    field=f"options.{i}.value",
                )
            seen.add(value)
        else:
            value = None
        cleaned.append((value, label))
    return cleaned


def _option_insert(field: CustomField, value: str | None, label: str, taken: set[str]) -> str:
    value = value or _unique(_option_value_base(label), taken, "-")
    if value in taken:
        raise Conflict(
            _("An option with the value %(value)s already exists.") % {"value": value},
            field="value",
        )
    option = CustomOption(
        workspace_id=field.workspace_id,
        field=field,
        value=value,
        label=label,
        position=_next_position(CustomOption.objects.filter(field=field)),
    )
    try:
        with transaction.atomic():
            option.save()
    except IntegrityError as exc:
        raise Conflict(
            _("An option with the value %(value)s already exists.") % {"value": value},
            field="value",
        ) from exc
    taken.add(value)
    return value


def option_create(
    *,
    workspace: Workspace,
    actor: Membership,
    field_id: int,
    label: str,
    value: str | None = None,
) -> CustomOption:
    """A new option at the end; its value (what records store) is made from the label
    unless given, and never changes afterwards."""
    require_admin(actor)
    label = _clean_name(label, field="label")
    if value is not None and value != "":
        value = _clean_option_value(value)
    else:
        value = None
    with transaction.atomic():
        field = _choice_field_for_update(workspace, field_id)
        taken = set(CustomOption.objects.filter(field=field).values_list("value", flat=True))
        value = _option_insert(field, value, label, taken)
        option = CustomOption.objects.get(field=field, value=value)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="customfield.option_created",
            target=option,
            summary=f"{field.label}: {label}",
            changes={"value": [None, value]},
        )
    return option


def option_update(
    *, workspace: Workspace, actor: Membership, field_id: int, value: str, label: str
) -> CustomOption:
    """Rename an option. Its value stays, so records keep their choice."""
    require_admin(actor)
    label = _clean_name(label, field="label")
    with transaction.atomic():
        field = _choice_field_for_update(workspace, field_id)
        option = _option_for_update(workspace, field, value)
        _update_recorded(
            option,
            {"label": label},
            workspace=workspace,
            actor=actor,
            verb="customfield.option_updated",
            summary=f"{field.label}: {label}",
        )
    return option


def _option_in_use(field: CustomField, option: CustomOption, count: int) -> str:
    if field.entity == Entity.COMPANY:
        message = ngettext(
            "%(count)d company has %(option)s chosen; delete the option and clear it?",
            "%(count)d companies have %(option)s chosen; delete the option and clear them?",
            count,
        )
    else:
        message = ngettext(
            "%(count)d contact has %(option)s chosen; delete the option and clear it?",
            "%(count)d contacts have %(option)s chosen; delete the option and clear them?",
            count,
        )
    return message % {"count": count, "option": option.label}


def _clear_checkbox_option(workspace: Workspace, field: CustomField, value: str) -> None:
    """Remove `value` from every checkbox list that holds it, in batches of BATCH rows.

    Each batch is a fresh keyset query (no cursor stays open while rows change), locked in
    pk order so a concurrent edit of the same record waits instead of being overwritten.
    An emptied list loses its key: an empty value is stored as an absent key.
    """
    candidates = selectors.option_candidates(workspace=workspace, field=field, value=value)
    last = 0
    while True:
        rows = list(candidates.select_for_update().filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        last = rows[-1].pk
        changed = []
        for row in rows:
            chosen = row.custom.get(field.key)
            if not isinstance(chosen, list) or value not in chosen:
                continue
            kept = [v for v in chosen if v != value]
            if kept:
                row.custom[field.key] = kept
            else:
                del row.custom[field.key]
            row.version = F("version") + 1
            changed.append(row)
        if changed:
            type(rows[0]).objects.bulk_update(changed, ["custom", "version"])


def option_delete(
    *,
    workspace: Workspace,
    actor: Membership,
    field_id: int,
    value: str,
    confirm: bool = False,
) -> int:
    """Delete an option and clear it from the records that chose it; returns how many.

    Radio and dropdown values are removed; checkbox lists lose that one element. Without
    `confirm`, an option that records have chosen is refused (InUse, 409).
    """
    require_admin(actor)
    with transaction.atomic():
        field = _choice_field_for_update(workspace, field_id)
        option = _option_for_update(workspace, field, value)
        count = selectors.option_value_count(workspace=workspace, field=field, value=option.value)
        if count and not confirm:
            raise InUse(_option_in_use(field, option, count), count=count)
        if count and field.type == FieldType.CHECKBOX:
            _clear_checkbox_option(workspace, field, option.value)
        elif count:
            chosen = selectors.option_candidates(
                workspace=workspace, field=field, value=option.value
            )
            chosen.update(custom=_WithoutKey("custom", field.key), version=F("version") + 1)
        record_activity(
            workspace=workspace,
            actor=actor,
            verb="customfield.option_deleted",
            target=option,
            summary=f"{field.label}: {option.label} ({option.value})",
            changes={"values_cleared": [count, 0]} if count else None,
        )
        option.delete()
        _close_gap(CustomOption.objects.filter(field=field), option.position)
    return count


def option_reorder(
    *, workspace: Workspace, actor: Membership, field_id: int, values: list[str]
) -> list[CustomOption]:
    """Put a field's options in the order of `values` (each exactly once)."""
    require_admin(actor)
    with transaction.atomic():
        field = _choice_field_for_update(workspace, field_id)
        return _reorder(
            CustomOption.objects.filter(workspace=workspace, field=field),
            values,
            ident="value",
            workspace=workspace,
            actor=actor,
            verb="customfield.options_reordered",
            summary=field.label,
        )


def option_move(
    *, workspace: Workspace, actor: Membership, field_id: int, value: str, offset: int
) -> list[CustomOption]:
    """Move one option up (-1) or down (+1)."""
    require_admin(actor)
    field = selectors.field_get(workspace=workspace, field_id=field_id)
    values = [o.value for o in field.options.all()]
    if value not in values:
        raise NotFound(_("No such option."))
    return option_reorder(
        workspace=workspace,
        actor=actor,
        field_id=field_id,
        values=_moved(values, value, offset),
    )
