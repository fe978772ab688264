import datetime as dt
from typing import Any

from django import template

from rapport.customfields.models import FieldType
from rapport.customfields.validation import FieldDef

register = template.Library()


def _display(d: FieldDef, value: Any) -> Any:
    labels = dict(d.options)
    if d.type in (FieldType.RADIO, FieldType.DROPDOWN):
        return labels.get(value, value)
    if d.type == FieldType.CHECKBOX:
        chosen = value if isinstance(value, list) else [value]
        # In the options' order, whatever order the list was stored in.
        known = [labels[v] for v, _label in d.options if v in chosen]
        return known + [v for v in chosen if v not in labels]
    if d.type == FieldType.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def value_groups(defs: list[FieldDef], values: dict | None) -> list[tuple[str, list[dict]]]:
    """[(section name, [{"label", "type", "key", "value", "href"?}])] of the fields with a value."""
    groups: dict[str, list[dict]] = {}
    for d in defs or []:
        value = (values or {}).get(d.key)
        if value is None or value == "" or value == []:
            continue
        item = {"label": d.label, "type": d.type, "key": d.key, "value": _display(d, value)}
        if d.type == FieldType.URL and str(value).lower().startswith(("http://", "https://")):
            # Only web addresses become links: never a javascript: or data: URL.
            item["href"] = value
        groups.setdefault(d.section, []).append(item)
    return list(groups.items())


@register.simple_tag
def custom_value_groups(defs, values):
    """`{% custom_value_groups defs record.custom as groups %}`: values to show, by section."""
    return value_groups(defs, values)
