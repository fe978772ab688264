"""One file row → cleaned values or the reasons it is refused, by the customers' own rules.

The scalar checks are the very functions the contact and company services run
(`customers.services._common`), with the same length limits; custom values go through
`customfields.validation.validate_custom`, the one validator of custom values. What is
import-specific is only how text from a spreadsheet becomes the input those functions
take: "yes" for true, option labels for option values, "a ::: b" for a list.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from rapport.core.categories import KINDS
from rapport.core.errors import Invalid
from rapport.core.models import Category, Membership, Team, Workspace
from rapport.customers.models import Company, Visibility
from rapport.customers.services import _common as c
from rapport.customers.services.companies import TEXT_FIELDS as COMPANY_TEXT
from rapport.customers.services.contacts import TEXT_FIELDS as CONTACT_TEXT
from rapport.customfields.models import FieldType
from rapport.customfields.validation import FieldDef, definitions, validate_custom
from rapport.dataio import mapping as mapping_rules

CREATE, UPDATE, SKIP, REJECT = "create", "update", "skip", "reject"
CATEGORY_NAME_LENGTH = 80  # core.services._clean_name's limit for category names
TRUE_WORDS = {"1", "true", "yes", "y", "x", "tak", "ja", "prawda", "waar", "active", "aktywny"}
FALSE_WORDS = {"0", "false", "no", "n", "nie", "nee", "fałsz", "onwaar", "inactive", "nieaktywny"}
# The common address in Django's own terms, lower-case ASCII only: EmailValidator's dot-atom local
# part, its hostname, labels and letter TLD without the Unicode range, the punycode TLD,
# the "localhost" allowlist and the [literal] form. Everything it matches, validate_email
# accepts; everything else goes to validate_email itself, so import accepts and refuses
# exactly what the contact form does at a fraction of the cost (see tests/dataio).
_ATOM = r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+"
COMMON_EMAIL = re.compile(
    rf"{_ATOM}(?:\.{_ATOM})*"
    r"@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*"
    r"\.(?!-)[a-z-]{2,63}(?<!-)"
)
# How many distinct (field, cell) outcomes of the custom-field check are remembered:
# option fields and numbers repeat down a file, free text rarely does.
CUSTOM_MEMO = 4_096


@functools.lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """The case-insensitive key of a name, the same on SQLite and PostgreSQL (whose LOWER()
    differ beyond ASCII), so matching happens here rather than in SQL. Cached: the names
    of companies and labels repeat down a file."""
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


@dataclass
class Options:
    """A job's options, already checked by `services.clean_options`."""

    dedupe: str  # contacts: email|none; companies: name|domain|none
    on_duplicate: str  # skip|update
    owner: str  # me|none
    team_ids: list[int] = field(default_factory=list)
    label: str = ""
    default_role: str = ""
    default_source_id: int | None = None

    @classmethod
    def of(cls, raw: dict) -> Options:
        return cls(
            dedupe=raw.get("dedupe", "none"),
            on_duplicate=raw.get("on_duplicate", "skip"),
            owner=raw.get("owner", "me"),
            team_ids=list(raw.get("team_ids") or []),
            label=raw.get("label") or "",
            default_role=raw.get("default_role") or "",
            default_source_id=raw.get("default_source_id"),
        )


@dataclass(eq=False)
class Row:
    """One data row on its way through cleaning, deduplication and writing."""

    number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)  # cleaned, only the values given
    company: str = ""  # a contact's company name
    category: str = ""  # a contact's source or a company's type, by name
    labels: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    key: str = ""  # the deduplication key ("" when the row has none)
    action: str = CREATE
    existing: Any = None  # the record a duplicate matched (an instance when updating)
    leader: Row | None = None  # the earlier row of this file this one repeats
    followers: list[Row] = field(default_factory=list)
    reason: str = ""  # the errors in words, once the rejection is final
    record: dict = field(default_factory=dict)  # the raw record, for the preview to show

    # What a cleaned row carries to the writer (`pack`/`unpack`, for `ahead.Apart`): a
    # tuple pickles in half the time of the instance, and `record` (the preview's) stays
    # behind. The fields after `action` are the writer's own.

    def pack(self) -> tuple:
        return (
            self.number,
            self.cells,
            self.values,
            self.custom,
            self.company,
            self.category,
            self.labels,
            self.errors,
            self.key,
            self.action,
        )

    @classmethod
    def unpack(cls, packed: tuple) -> Row:
        number, cells, values, custom, company, category, labels, errors, key, action = packed
        return cls(number, cells, values, custom, company, category, labels, errors, key, action)

    def absorb(self, other: Row) -> None:
        """Take a later row with the same key into this one: its values win."""
        self.values.update(other.values)
        self.custom.update(other.custom)
        self.company = other.company or self.company
        self.category = other.category or self.category
        self.labels += [name for name in other.labels if name not in self.labels]
        other.leader = self
        other.action = UPDATE
        self.followers.append(other)

    def reject(self, errors: list[dict]) -> None:
        for row in (self, *self.followers):
            row.action = REJECT
            row.errors = errors


@dataclass
class Context:
    """What every row of one import is checked against, loaded once per run."""

    workspace: Workspace
    actor: Membership
    entity: str  # "contact" | "company"
    mapping: dict[int, str]
    headers: list[str]
    options: Options
    defs: list[FieldDef]
    labels_of: dict[str, str] = field(default_factory=dict)  # target key -> label
    categories: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> fold -> id
    category_names: dict[int, str] = field(default_factory=dict)
    teams: list[Team] = field(default_factory=list)
    make_record: Any = None  # cells -> raw record, the mapping compiled once
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> fold -> value
    required: bool = False  # whether any custom field is required
    _custom_memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, *, workspace, actor, entity, mapping, headers, options: Options) -> Context:
        defs = definitions(workspace=workspace, entity=entity)
        ctx = cls(
            workspace=workspace,
            actor=actor,
            entity=entity,
            mapping=mapping,
            headers=headers,
            options=options,
            defs=defs,
            make_record=mapping_rules.record_maker(mapping, entity),
        )
        ctx.choices = {d.key: _choices(d) for d in defs if d.type in CHOICES}
        ctx.required = any(d.required for d in defs)
        ctx.labels_of = {t.key: str(t.label) for t in mapping_rules.targets(entity, defs)} | {
            "custom": _("Custom fields")
        }
        kinds = ("labels", "sources") if entity == "contact" else ("labels", "company-types")
        ctx.categories = {kind: {} for kind in kinds}
        for pk, kind, name in (
            Category.objects.filter(workspace=workspace, kind__in=kinds)
            .order_by("position", "id")
            .values_list("id", "kind", "name")
        ):
            ctx.categories[kind].setdefault(fold(name), pk)
            ctx.category_names[pk] = name
        if entity == "contact" and options.team_ids:
            ctx.teams = list(
                Team.objects.filter(workspace=workspace, pk__in=options.team_ids).order_by(
                    "name", "id"
                )
            )
        return ctx

    # --- what the options mean for a new record ---------------------------------------

    @property
    def owner_id(self) -> int | None:
        return self.actor.user_id if self.options.owner == "me" else None

    @property
    def visibility(self) -> str:
        return Visibility.TEAMS if self.teams else Visibility.PRIVATE

    @property
    def category_kind(self) -> str:
        return "sources" if self.entity == "contact" else "company-types"

    def reason(self, errors: list[dict]) -> str:
        """The errors as one line a person reads: "Email: Enter a valid email address."."""
        parts = []
        for error in errors:
            name = error.get("field") or ""
            label = self.labels_of.get(name) or self.labels_of.get(name.split(".", 1)[0], name)
            parts.append(f"{label}: {error['message']}" if label else error["message"])
        return " ".join(parts)

    # --- cleaning -----------------------------------------------------------------------

    def clean(self, number: int, cells: list[str]) -> Row:
        record = self.make_record(cells)
        row = Row(number=number, cells=cells, record=record)
        errors = c.Errors()
        if self.entity == "contact":
            self._contact(errors, record, row)
        else:
            self._company(errors, record, row)
        self._category(errors, record, row)
        self._labels(errors, record, row)
        if "custom" in record:
            row.custom = self._custom(errors, record["custom"])
        row.errors = errors.items
        if row.errors:
            row.action = REJECT
        return row

    def _contact(self, errors: c.Errors, record: dict, row: Row) -> None:
        values = row.values
        for name, limit in CONTACT_TEXT.items():
            if name in record:
                value = c.text(errors, record, name, limit)
                if value:
                    values[name] = value
        if "email" in record:
            value = email(errors, "email", record["email"])
            if value:
                values["email"] = value
        if "phone" in record:
            value = c.phone(errors, "phone", record["phone"])
            if value:
                values["phone"] = value
        for name, clean in (("other_emails", email), ("other_phones", c.phone)):
            if name in record:
                value = c.many(errors, record, name, clean)
                if value:
                    values[name] = value
        if "role" in record:
            value = c.role(errors, record)
            if value:
                values["role"] = value
        if "is_active" in record:
            value = c.flag(errors, {"is_active": _flag(record["is_active"])}, "is_active")
            if value is not None:
                values["is_active"] = value
        if "company" in record:
            row.company = c.text(errors, record, "company", 200) or ""
        if not (values.get("first_name") or values.get("last_name") or values.get("email")):
            errors.add("first_name", _("Give at least a name or an email address."))
        if self.options.dedupe == "email":
            row.key = values.get("email", "")

    def _company(self, errors: c.Errors, record: dict, row: Row) -> None:
        values = row.values
        if "name" in record:
            value = c.text(errors, record, "name", 200)
            if value:
                values["name"] = value
        for name, limit in COMPANY_TEXT.items():
            if name in record:
                value = c.text(errors, record, name, limit)
                if value:
                    values[name] = value
        for name, clean in (("website", c.website), ("domain", c.domain), ("phone", c.phone)):
            if name in record:
                value = clean(errors, name, record[name])
                if value:
                    values[name] = value
        if "role" in record:
            value = c.role(errors, record)
            if value:
                values["role"] = value
        if values.get("website") and not values.get("domain"):
            domain = c.domain_of(values["website"])
            if domain:
                values["domain"] = domain
        if self.options.dedupe == "name" and values.get("name"):
            row.key = fold(values["name"])
        elif self.options.dedupe == "domain":
            row.key = values.get("domain", "")

    def _category(self, errors: c.Errors, record: dict, row: Row) -> None:
        """A source (contacts) or type (companies) by name, matched case-insensitively.

        A name the workspace does not have is created when an admin imports (as they could
        in Settings) and refused for a member, who cannot add categories.
        """
        name = "source" if self.entity == "contact" else "type"
        if name not in record:
            return
        value = c.text(errors, record, name, CATEGORY_NAME_LENGTH)
        if not value:
            return
        kind = self.category_kind
        if fold(value) not in self.categories[kind] and not self.actor.is_admin:
            errors.add(
                name,
                _("“%(name)s” is not one of the workspace's %(kind)s; an admin can add it.")
                % {"name": value, "kind": str(KINDS[kind].label).lower()},
            )
            return
        row.category = value

    def _labels(self, errors: c.Errors, record: dict, row: Row) -> None:
        names = record.get("labels") or []
        for raw in names:
            value = c.text(errors, {"labels": raw}, "labels", CATEGORY_NAME_LENGTH)
            if value and fold(value) not in {fold(n) for n in row.labels}:
                row.labels.append(value)

    def _custom(self, errors: c.Errors, raw: dict[str, str]) -> dict[str, Any]:
        """The given custom values, each checked by `validate_custom` (not yet whether a
        required field is missing: that depends on whether the row creates or updates).

        Each value is checked on its own (`validate_custom` judges the keys of one call
        independently), and the outcome of a (field, cell) pair is remembered: the same
        "Retail" in a million rows is checked once. A row with any bad value keeps none
        of its custom values, as one call over all of them would."""
        found: dict[str, Any] = {}
        failed: list[dict] = []
        memo = self._custom_memo
        for d in self.defs:
            if d.key not in raw:
                continue
            cell = raw[d.key]
            outcome = memo.get((d.key, cell))
            if outcome is None:
                outcome = self._check_custom_value(d, cell)
                if len(memo) >= CUSTOM_MEMO:
                    memo.clear()
                memo[(d.key, cell)] = outcome
            value, problems = outcome
            if problems:
                failed += problems
            elif value is not _ABSENT:
                found[d.key] = list(value) if isinstance(value, list) else value
        if failed:
            errors.items.extend(dict(p) for p in failed)
            return {}
        return found

    def _check_custom_value(self, d: FieldDef, cell: str) -> tuple[Any, list[dict]]:
        """(the cleaned value or _ABSENT, errors) of one custom cell."""
        value = _as_input(d, cell, self.choices.get(d.key))
        try:
            result = validate_custom(
                workspace=self.workspace, entity=self.entity, values={d.key: value}, defs=[d]
            )
        except Invalid as exc:
            return _ABSENT, exc.errors or [{"field": "custom", "message": str(exc.message)}]
        return result.get(d.key, _ABSENT), []

    def check_custom(self, row: Row, current: dict | None) -> list[dict]:
        """Errors of the record's custom values as a whole: on create, the required fields;
        on update, the given values merged into the record's current ones (as a PATCH)."""
        if current is not None and not row.custom:
            return []
        if current is None and not self.required:
            return []  # each value was checked on its own: nothing more to find
        try:
            row.custom = validate_custom(
                workspace=self.workspace,
                entity=self.entity,
                values=row.custom,
                current=current,
                partial=current is not None,
                defs=self.defs,
            )
        except Invalid as exc:
            return exc.errors or [{"field": "custom", "message": exc.message}]
        return []


_ABSENT = object()


def email(errors: c.Errors, name: str, value: Any) -> str | None:
    """`customers.services._common.email` (the contact form's check) with a fast path:
    the same value, the same errors, for every input."""
    if isinstance(value, str) and value:
        value = value.strip().lower()
        if len(value) <= 254:
            if COMMON_EMAIL.fullmatch(value):
                return value
            try:
                validate_email(value)
            except ValidationError:
                errors.add(name, _("Enter a valid email address."))
                return None
            return value
    return c.email(errors, name, value)


def _flag(raw: str) -> Any:
    word = raw.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return raw  # refused by the service's check with its own message


CHOICES = (FieldType.RADIO, FieldType.DROPDOWN, FieldType.CHECKBOX)


def _choices(d: FieldDef) -> dict[str, str]:
    """An option field's values by their folded label or value."""
    by_label: dict[str, str] = {}
    for value, label in d.options:
        by_label.setdefault(fold(label), value)
        by_label.setdefault(fold(value), value)
    return by_label


def _as_input(d: FieldDef, raw: str, choices: dict[str, str] | None) -> Any:
    """A cell as the value `validate_custom` expects: option labels become option values
    and a checkbox cell becomes a list ("a ::: b", "a; b" or "a, b")."""
    if choices is None:
        return raw
    if d.type == FieldType.CHECKBOX:
        parts = mapping_rules.split_list(raw)
        if len(parts) == 1:
            parts = [p.strip() for p in parts[0].split(",") if p.strip()]
        return [choices.get(fold(p), p) for p in parts]
    return choices.get(fold(raw), raw)


def company_stub(pk: int | None, name: str) -> Company | None:
    """A company as `assign` needs it for a change record (its id and name), unsaved."""
    return Company(pk=pk, name=name) if pk else None


def category_stub(pk: int | None, name: str) -> Category | None:
    return Category(pk=pk, name=name) if pk else None
