"""The one function that validates custom values, on every write path (form, API, import).

Stored shapes: text-like types a string; number an int or float; date "YYYY-MM-DD";
radio and dropdown one option value; checkbox a list of option values. An empty value is
absent from the JSON rather than stored as "" or null, so "has a value" is "has the key".
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.customfields.models import CustomField, FieldType

PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
MAX_TEXT = 500
MAX_TEXTAREA = 10_000
MAX_NUMBER = 10**15


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: str
    required: bool
    options: tuple[tuple[str, str], ...] = field(default=())  # (value, label)
    section: str = ""  # the section's name, for grouping on forms and record pages

    @property
    def option_values(self) -> set[str]:
        return {value for value, _label in self.options}


def definitions(*, workspace, entity: str) -> list[FieldDef]:
    """The entity's fields in display order, with their options (two queries)."""
    fields = list(
        CustomField.objects.filter(workspace=workspace, entity=entity)
        .select_related("section")
        .prefetch_related("options")
        .order_by("section__position", "section__id", "position", "id")
    )
    return [
        FieldDef(
            key=f.key,
            label=f.label,
            type=f.type,
            required=f.required,
            options=tuple(
                (o.value, o.label)
                for o in sorted(f.options.all(), key=lambda o: (o.position, o.pk))
            ),
            section=f.section.name,
        )
        for f in fields
    ]


def _empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def clean_value(fd: FieldDef, value: Any) -> Any:
    """The stored form of one value, or ValueError with a message for the user."""
    t = fd.type
    if t in (FieldType.TEXT, FieldType.TEXTAREA, FieldType.EMAIL, FieldType.URL, FieldType.PHONE):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError(_("Enter text."))
        value = str(value).strip()
        limit = MAX_TEXTAREA if t == FieldType.TEXTAREA else MAX_TEXT
        if len(value) > limit:
            raise ValueError(_("Use at most %(n)d characters.") % {"n": limit})
        allowed = "\n\r\t" if t == FieldType.TEXTAREA else ""
        if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
            raise ValueError(_("Remove the control characters."))
        if t == FieldType.EMAIL:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise ValueError(_("Enter a valid email address.")) from exc
            value = value.lower()
        elif t == FieldType.URL:
            if "://" not in value:
                value = "https://" + value
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError as exc:
                raise ValueError(_("Enter a valid web address.")) from exc
        elif t == FieldType.PHONE and not PHONE.match(value):
            raise ValueError(_("Enter a valid phone number."))
        return value
    if t == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        if isinstance(value, str):
            try:
                number = Decimal(value.strip().replace(",", "."))
            except InvalidOperation as exc:
                raise ValueError(_("Enter a number.")) from exc
        elif isinstance(value, (int, float)):
            number = Decimal(str(value))
        else:
            raise ValueError(_("Enter a number."))
        if not number.is_finite() or abs(number) >= MAX_NUMBER:
            raise ValueError(_("Enter a number between -10^15 and 10^15."))
        if number == number.to_integral_value():
            return int(number)
        as_float = float(number)
        if math.isinf(as_float):
            raise ValueError(_("Enter a number."))
        return as_float
    if t == FieldType.DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc
    if t in (FieldType.RADIO, FieldType.DROPDOWN):
        if not isinstance(value, str) or value not in fd.option_values:
            raise ValueError(_("Choose one of the options."))
        return value
    if t == FieldType.CHECKBOX:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(_("Choose from the options."))
        unknown = [v for v in value if v not in fd.option_values]
        if unknown:
            raise ValueError(_("Choose from the options."))
        order = [v for v, _label in fd.options]
        return sorted(set(value), key=order.index)
    raise ValueError(_("This field cannot hold a value."))


def validate_custom(
    *,
    workspace,
    entity: str,
    values: dict[str, Any] | None,
    current: dict[str, Any] | None = None,
    partial: bool = False,
    defs: list[FieldDef] | None = None,
) -> dict[str, Any]:
    """The new `custom` dict: `current` updated with `values`, every value checked.

    With `partial`, keys not in `values` keep their current value (PATCH); otherwise
    `values` is the whole set (a form post). Unknown keys, bad values and missing required
    fields raise one Invalid naming every field (`custom.<key>`).
    """
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise Invalid(_("Custom values must be an object."), field="custom")
    defs = definitions(workspace=workspace, entity=entity) if defs is None else defs
    by_key = {d.key: d for d in defs}
    errors = []
    for key in values:
        if key not in by_key:
            errors.append({"field": f"custom.{key}", "message": _("There is no such field.")})
    result: dict[str, Any] = {}
    base = dict(current or {}) if partial else {}
    for d in defs:
        if d.key in values:
            raw = values[d.key]
            if _empty(raw):
                value = None
            else:
                try:
                    value = clean_value(d, raw)
                except ValueError as exc:
                    errors.append({"field": f"custom.{d.key}", "message": str(exc)})
                    continue
        else:
            value = base.get(d.key)
        if value is None or value == []:
            if d.required:
                errors.append(
                    {
                        "field": f"custom.{d.key}",
                        "message": _("%(label)s is required.") % {"label": d.label},
                    }
                )
            continue
        result[d.key] = value
    if errors:
        raise Invalid(
            _("Check the custom fields: %(fields)s.")
            % {"fields": ", ".join(e["field"].removeprefix("custom.") for e in errors)},
            errors=errors,
        )
    return result
