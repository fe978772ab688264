"""Cells and columns of an export: what each column is and how a value becomes safe text."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import Invalid

# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"),
# plus the full-width forms some spreadsheets also accept.
TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise_text(value: str) -> str:
    """`neutralise` for a value known to be a str (the fast path)."""
    return "'" + value if value[:1] in TRIGGERS else value


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def neutralise(value: Any) -> str:
    """One cell as text that no spreadsheet will run as a formula.

    Text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return (or a full-width
    `＝＋－＠`) gets a leading `'`, as OWASP advises. We prefix *all* such text, including
    text that merely looks like a number ("-5", "+48 123 456 789"): a phone number stored
    as text is still text, and Excel would otherwise read "+48 123" as a formula (and
    break it). Real numbers (int, float, Decimal, e.g. a number custom field) are not
    text and keep their sign: `neutralise(-5) == "-5"`.

    None is "", booleans "true"/"false", dates and times ISO 8601, lists and tuples their
    items joined with "; " (the joined text is neutralised as one cell). The function is
    idempotent: a neutralised cell starts with `'`, which is not a trigger.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return neutralise_text("; ".join(_plain(v) for v in value))
    if isinstance(value, Promise):
        return neutralise_text(str(value))
    return neutralise_text(_plain(value))


# --- columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One exportable column. `header` is translatable (str() it under the user's language);
    `kind` says how a cell is made; `field` is the database column it reads."""

    key: str
    header: Any
    kind: str = "text"
    field: str = ""
    custom_type: str = ""

    @property
    def title(self) -> str:
        return str(self.header)


def _columns(*specs: tuple) -> dict[str, Column]:
    return {key: Column(key, header, kind, field) for key, header, kind, field in specs}


# kind: text (user text, neutralised), code (our own codes: no user text), int, bool,
# datetime, full_name, json_list, company, category, user, labels, teams, primary_contact
CONTACT_COLUMNS: dict[str, Column] = _columns(
    ("id", gettext_lazy("ID"), "int", "id"),
    ("first_name", gettext_lazy("First name"), "text", "first_name"),
    ("last_name", gettext_lazy("Last name"), "text", "last_name"),
    ("full_name", gettext_lazy("Name"), "full_name", ""),
    ("email", gettext_lazy("Email"), "text", "email"),
    ("phone", gettext_lazy("Phone"), "text", "phone"),
    ("other_emails", gettext_lazy("Other emails"), "json_list", "other_emails"),
    ("other_phones", gettext_lazy("Other phones"), "json_list", "other_phones"),
    ("company", gettext_lazy("Company"), "company", "company_id"),
    ("job_title", gettext_lazy("Job title"), "text", "job_title"),
    ("role", gettext_lazy("Role"), "code", "role"),
    ("source", gettext_lazy("Source"), "category", "source_id"),
    ("labels", gettext_lazy("Labels"), "labels", ""),
    ("owner", gettext_lazy("Owner"), "user", "owner_id"),
    ("visibility", gettext_lazy("Visibility"), "code", "visibility"),
    ("teams", gettext_lazy("Teams"), "teams", ""),
    ("is_active", gettext_lazy("Active"), "bool", "is_active"),
    ("is_test", gettext_lazy("Test contact"), "bool", "is_test"),
    ("created_at", gettext_lazy("Created"), "datetime", "created_at"),
    ("updated_at", gettext_lazy("Updated"), "datetime", "updated_at"),
)

COMPANY_COLUMNS: dict[str, Column] = _columns(
    ("id", gettext_lazy("ID"), "int", "id"),
    ("name", gettext_lazy("Name"), "text", "name"),
    ("domain", gettext_lazy("Domain"), "text", "domain"),
    ("website", gettext_lazy("Website"), "text", "website"),
    ("phone", gettext_lazy("Phone"), "text", "phone"),
    ("street", gettext_lazy("Street"), "text", "street"),
    ("city", gettext_lazy("City"), "text", "city"),
    ("postal_code", gettext_lazy("Postal code"), "text", "postal_code"),
    ("region", gettext_lazy("Region"), "text", "region"),
    ("country", gettext_lazy("Country"), "text", "country"),
    ("type", gettext_lazy("Type"), "category", "type_id"),
    ("role", gettext_lazy("Role"), "code", "role"),
    ("primary_contact", gettext_lazy("Primary contact"), "primary_contact", "primary_contact_id"),
    ("labels", gettext_lazy("Labels"), "labels", ""),
    ("owner", gettext_lazy("Owner"), "user", "owner_id"),
    ("created_at", gettext_lazy("Created"), "datetime", "created_at"),
    ("updated_at", gettext_lazy("Updated"), "datetime", "updated_at"),
)

# The list pages call the contact's name column "name".
ALIASES = {"contact": {"name": "full_name"}, "company": {}}

DEFAULT_KEYS = {
    "contact": [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "job_title",
        "role",
        "source",
        "labels",
        "owner",
        "created_at",
    ],
    "company": [
        "id",
        "name",
        "domain",
        "website",
        "phone",
        "city",
        "country",
        "type",
        "role",
        "labels",
        "owner",
        "created_at",
    ],
}
BUILT_IN = {"contact": CONTACT_COLUMNS, "company": COMPANY_COLUMNS}
MAX_COLUMNS = 100


def parse_column_keys(raw: str | Sequence[str] | None) -> list[str] | None:
    """`"a,b,c"` (or a list of such) as keys; None or blank means the default set."""
    if raw is None:
        return None
    parts = [raw] if isinstance(raw, str) else list(raw)
    keys = [k.strip() for part in parts for k in str(part).split(",") if k.strip()]
    return keys or None


def columns_for(*, workspace, entity: str, keys: Sequence[str] | None) -> list[Column]:
    """The columns named by `keys` (None: the default set, then every custom field), in
    that order; an unknown key is `Invalid(field="columns")` naming it."""
    from rapport.customfields.validation import definitions

    built_in = BUILT_IN[entity]
    custom = {
        f"custom.{d.key}": Column(f"custom.{d.key}", d.label, "custom", d.key, d.type)
        for d in definitions(workspace=workspace, entity=entity)
    }
    if keys is None:
        return [built_in[k] for k in DEFAULT_KEYS[entity]] + list(custom.values())
    if len(keys) > MAX_COLUMNS:
        raise Invalid(_("Choose up to %(n)d columns.") % {"n": MAX_COLUMNS}, field="columns")
    chosen: list[Column] = []
    unknown: list[str] = []
    for key in keys:
        key = ALIASES[entity].get(key, key)
        column = built_in.get(key) or custom.get(key)
        if column is None:
            unknown.append(key[:50])
        elif column not in chosen:
            chosen.append(column)
    if unknown:
        raise Invalid(
            _("Unknown column: %(names)s.") % {"names": ", ".join(unknown)}, field="columns"
        )
    if not chosen:
        raise Invalid(_("Choose at least one column."), field="columns")
    return chosen


def contact_columns(workspace, keys: Sequence[str] | None) -> list[Column]:
    return columns_for(workspace=workspace, entity="contact", keys=keys)


def company_columns(workspace, keys: Sequence[str] | None) -> list[Column]:
    return columns_for(workspace=workspace, entity="company", keys=keys)


def headers(columns: Sequence[Column]) -> list[str]:
    return [c.title for c in columns]
