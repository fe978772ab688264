"""The parser and the conditions behind `rapport.filters` (see the package docstring)."""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.core.models import Membership, TeamMember
from rapport.customfields.models import FieldType
from rapport.customfields.validation import FieldDef, clean_value, definitions

ENTITIES = ("contact", "company")
# Parameters that page a list rather than filter it.
PAGING_PARAMS = frozenset({"limit", "cursor", "columns", "view", "page"})
MAX_TERMS = 5
MAX_VALUE = 200
NUMBER_FLOOR = -1e18  # sorts "no value" before every real number


@dataclass
class ParsedFilter:
    """A validated filter: conditions, sort order (keyset-ready) and the clean params."""

    entity: str
    conditions: list[Q] = field(default_factory=list)
    aliases: dict[str, Any] = field(default_factory=dict)
    sort_annotations: dict[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ("-created_at", "-id")
    include_test: bool = False
    params: dict[str, str] = field(default_factory=dict)

    def apply(self, queryset: QuerySet) -> QuerySet:
        qs = queryset
        if self.aliases:
            qs = qs.alias(**self.aliases)
        if self.sort_annotations:
            qs = qs.annotate(**self.sort_annotations)
        if self.entity == "contact" and not self.include_test:
            qs = qs.filter(is_test=False)
        for condition in self.conditions:
            qs = qs.filter(condition)
        return qs

    @property
    def sort(self) -> str:
        return self.params.get("sort", "")


# --- value parsers ----------------------------------------------------------------------


def _one(params: Mapping, name: str) -> str:
    value = params[name]
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if len(value) > MAX_VALUE or "\x00" in value:
        raise Invalid(_("This filter value is too long."), field=name)
    return value


def _ids(name: str, value: str) -> list[int]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or len(parts) > 50:
        raise Invalid(_("Give one or more ids."), field=name)
    ids = []
    for part in parts:
        if not (part.isascii() and part.isdigit() and len(part) <= 18 and int(part) > 0):
            raise Invalid(_("%(value)s is not a valid id.") % {"value": part[:20]}, field=name)
        ids.append(int(part))
    return ids


def _bool(name: str, value: str) -> bool | None:
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    if lowered in ("any", "all"):
        return None
    raise Invalid(_("Use true, false or any."), field=name)


def _date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(_("Enter a date as YYYY-MM-DD."), field=name) from exc


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _role(name: str, value: str) -> list[str]:
    from rapport.customers.models import CustomerRole

    roles = [r.strip() for r in value.split(",") if r.strip()]
    bad = [r for r in roles if r not in CustomerRole.values]
    if not roles or bad:
        raise Invalid(_("Use lead, prospect or client."), field=name)
    return roles


# --- filters per entity ------------------------------------------------------------------

Handler = Callable[[str, str, Membership], Q]


def _text(path: str) -> Handler:
    return lambda name, value, actor: Q(**{f"{path}__icontains": value})


def _search(fields: tuple[str, ...]) -> Handler:
    def handler(name: str, value: str, actor: Membership) -> Q:
        terms = value.split()[:MAX_TERMS]
        condition = Q()
        for term in terms:
            any_field = Q()
            for path in fields:
                any_field |= Q(**{f"{path}__icontains": term})
            condition &= any_field
        return condition

    return handler


def _owner(name: str, value: str, actor: Membership) -> Q:
    if value == "me":
        return Q(owner_id=actor.user_id)
    if value == "none":
        return Q(owner__isnull=True)
    return Q(owner_id__in=_ids(name, value))


def _fk(path: str) -> Handler:
    def handler(name: str, value: str, actor: Membership) -> Q:
        if value == "none":
            return Q(**{f"{path}__isnull": True})
        return Q(**{f"{path}__in": _ids(name, value)})

    return handler


def _label(through: str, column: str) -> Handler:
    def handler(name: str, value: str, actor: Membership) -> Q:
        from django.apps import apps

        model = apps.get_model(through)
        links = model.objects.filter(
            workspace_id=actor.workspace_id,
            **{column: OuterRef("pk")},
            category_id__in=_ids(name, value),
        )
        return Q(Exists(links))

    return handler


def _contact_team(name: str, value: str, actor: Membership) -> Q:
    from rapport.customers.models import ContactTeam

    shares = ContactTeam.objects.filter(
        workspace_id=actor.workspace_id, contact_id=OuterRef("pk"), team_id__in=_ids(name, value)
    )
    return Q(Exists(shares), visibility="teams")


def _company_team(name: str, value: str, actor: Membership) -> Q:
    # A company has no sharing of its own: "team" means its owner belongs to the team.
    members = TeamMember.objects.filter(
        workspace_id=actor.workspace_id, team_id__in=_ids(name, value)
    ).values("user_id")
    return Q(owner_id__in=members)


def _flag(path: str) -> Handler:
    def handler(name: str, value: str, actor: Membership) -> Q:
        flag = _bool(name, value)
        return Q() if flag is None else Q(**{path: flag})

    return handler


def _roles(name: str, value: str, actor: Membership) -> Q:
    return Q(role__in=_role(name, value))


def _within_days(name: str, value: str, actor: Membership) -> Q:
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= 5 and int(value) > 0):
        raise Invalid(_("Give a number of days from 1 to 99999."), field=name)
    return Q(created_at__gte=timezone.now() - dt.timedelta(days=int(value)))


def _after(name: str, value: str, actor: Membership) -> Q:
    return Q(created_at__gte=_start_of(_date(name, value)))


def _before(name: str, value: str, actor: Membership) -> Q:
    day = _date(name, value)
    if day >= dt.date.max:
        raise Invalid(_("Enter a date as YYYY-MM-DD."), field=name)
    return Q(created_at__lt=_start_of(day + dt.timedelta(days=1)))


COMMON: dict[str, Handler] = {
    "role": _roles,
    "label": lambda n, v, a: Q(),  # replaced per entity below
    "owner": _owner,
    "created_within_days": _within_days,
    "created_after": _after,
    "created_before": _before,
}

FILTERS: dict[str, dict[str, Handler]] = {
    "contact": {
        **COMMON,
        "q": _search(("first_name", "last_name", "email", "phone")),
        "label": _label("customers.ContactLabel", "contact_id"),
        "team": _contact_team,
        "source": _fk("source_id"),
        "company": _fk("company_id"),
        "is_active": _flag("is_active"),
        "first_name": _text("first_name"),
        "last_name": _text("last_name"),
        "email": _text("email"),
        "phone": _text("phone"),
        "job_title": _text("job_title"),
        "visibility": lambda n, v, a: Q(visibility=_choice(n, v, ("private", "teams"))),
    },
    "company": {
        **COMMON,
        "q": _search(("name", "domain", "city")),
        "label": _label("customers.CompanyLabel", "company_id"),
        "team": _company_team,
        "type": _fk("type_id"),
        "name": _text("name"),
        "domain": _text("domain"),
        "website": _text("website"),
        "phone": _text("phone"),
        "street": _text("street"),
        "city": _text("city"),
        "postal_code": _text("postal_code"),
        "region": _text("region"),
        "country": _text("country"),
    },
}


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid(_("Use one of: %(values)s.") % {"values": ", ".join(allowed)}, field=name)
    return value


def register_filter(entity: str, name: str, handler: Handler) -> None:
    """Later modules add filters here (e.g. projects adds `project` to contacts)."""
    FILTERS[entity][name] = handler


# --- sorting ---------------------------------------------------------------------------

# sort name -> the keyset order (ascending form); every order ends in the unique id.
SORTS: dict[str, dict[str, tuple[str, ...]]] = {
    "contact": {
        "created_at": ("created_at", "id"),
        "updated_at": ("updated_at", "id"),
        "name": ("last_name", "first_name", "id"),
        "first_name": ("first_name", "id"),
        "last_name": ("last_name", "first_name", "id"),
        "email": ("email", "id"),
        "role": ("role", "id"),
        "job_title": ("job_title", "id"),
        "company": ("sort_company", "id"),
    },
    "company": {
        "created_at": ("created_at", "id"),
        "updated_at": ("updated_at", "id"),
        "name": ("name", "id"),
        "domain": ("domain", "id"),
        "city": ("city", "id"),
        "country": ("country", "id"),
        "role": ("role", "id"),
    },
}
SORT_ANNOTATIONS = {"sort_company": lambda: Coalesce(Lower(F("company__name")), Value(""))}


def sort_options(entity: str) -> list[str]:
    return list(SORTS[entity])


def _sort(entity: str, value: str, defs: dict[str, FieldDef]) -> tuple[tuple[str, ...], dict]:
    descending = value.startswith("-")
    name = value.lstrip("-")
    annotations: dict[str, Any] = {}
    if name.startswith("custom."):
        key = name.removeprefix("custom.")
        fd = defs.get(key)
        if fd is None:
            raise Invalid(_("There is no custom field %(key)s.") % {"key": key[:50]}, field="sort")
        if fd.type == FieldType.NUMBER:
            expr = Coalesce(Cast(KeyTransform(key, "custom"), FloatField()), Value(NUMBER_FLOOR))
        else:
            expr = Coalesce(KeyTextTransform(key, "custom"), Value(""))
        annotations["sort_custom"] = expr
        fields: tuple[str, ...] = ("sort_custom", "id")
    elif name in SORTS[entity]:
        fields = SORTS[entity][name]
        for f in fields:
            if f in SORT_ANNOTATIONS:
                annotations[f] = SORT_ANNOTATIONS[f]()
    else:
        raise Invalid(
            _("You cannot sort by %(name)s.") % {"name": name[:50]},
            field="sort",
        )
    order = tuple(("-" if descending else "") + f for f in fields)
    return order, annotations


# --- custom fields -----------------------------------------------------------------------

TEXT_TYPES = (FieldType.TEXT, FieldType.TEXTAREA, FieldType.EMAIL, FieldType.URL, FieldType.PHONE)


def _custom(name: str, value: str, defs: dict[str, FieldDef], n: int) -> tuple[Q, dict]:
    """`custom.<key>` (equals / contains) and `custom.<key>__gte|__lte` for numbers, dates."""
    key, _sep, op = name.removeprefix("custom.").partition("__")
    fd = defs.get(key)
    if fd is None:
        raise Invalid(_("There is no custom field %(key)s.") % {"key": key[:50]}, field=name)
    if op and (op not in ("gte", "lte") or fd.type not in (FieldType.NUMBER, FieldType.DATE)):
        raise Invalid(_("This custom field has no such comparison."), field=name)
    alias = f"cf_{n}"
    if value == "none":
        return Q(**{f"custom__{key}__isnull": True}), {}
    if fd.type in TEXT_TYPES:
        return Q(**{f"{alias}__icontains": value}), {alias: KeyTextTransform(key, "custom")}
    try:
        if fd.type == FieldType.CHECKBOX:
            clean = clean_value(fd, [value])[0]
        else:
            clean = clean_value(fd, value)
    except ValueError as exc:
        raise Invalid(str(exc), field=name) from exc
    if fd.type == FieldType.NUMBER:
        expr = Cast(KeyTransform(key, "custom"), FloatField())
        return Q(**{f"{alias}__{op or 'exact'}": float(clean)}), {alias: expr}
    if fd.type == FieldType.CHECKBOX:
        # The stored list's JSON text holds "value" with its quotes; option values are
        # slugs, so the quoted form cannot match inside another value.
        return Q(**{f"{alias}__contains": f'"{clean}"'}), {alias: KeyTextTransform(key, "custom")}
    # Cast to text: on SQLite a key transform's own exact/range lookups expect JSON on the
    # right-hand side and fail on a bare option value or date.
    expr = Cast(KeyTextTransform(key, "custom"), TextField())
    return Q(**{f"{alias}__{op or 'exact'}": clean}), {alias: expr}


# --- entry point ----------------------------------------------------------------------


def parse_filters(
    *,
    workspace,
    actor: Membership,
    entity: str,
    params: Mapping[str, Any],
    defs: list[FieldDef] | None = None,
) -> ParsedFilter:
    """Validate `params` and build the filter. Paging parameters are ignored."""
    if entity not in ENTITIES:
        raise Invalid(_("Unknown record kind."), field="entity")
    handlers = FILTERS[entity]
    parsed = ParsedFilter(entity=entity)
    custom_defs: dict[str, FieldDef] | None = None

    def custom_defs_loaded() -> dict[str, FieldDef]:
        nonlocal custom_defs
        if custom_defs is None:
            loaded = defs if defs is not None else definitions(workspace=workspace, entity=entity)
            custom_defs = {d.key: d for d in loaded}
        return custom_defs

    errors = []
    for n, name in enumerate(sorted(params)):
        if name in PAGING_PARAMS:
            continue
        try:
            value = _one(params, name)
            if value == "":
                continue
            if name == "sort":
                defs_needed = custom_defs_loaded() if "custom." in value else {}
                parsed.order, parsed.sort_annotations = _sort(entity, value, defs_needed)
            elif name == "is_test":
                if entity != "contact":
                    raise Invalid(_("Companies have no test flag."), field=name)
                flag = _bool(name, value)
                parsed.include_test = True
                if flag is not None:
                    parsed.conditions.append(Q(is_test=flag))
            elif name.startswith("custom."):
                condition, aliases = _custom(name, value, custom_defs_loaded(), n)
                parsed.conditions.append(condition)
                parsed.aliases.update(aliases)
            elif name in handlers:
                parsed.conditions.append(handlers[name](name, value, actor))
            else:
                raise Invalid(_("%(name)s is not a filter here.") % {"name": name[:50]}, field=name)
            parsed.params[name] = value
        except Invalid as exc:
            errors.extend(exc.errors or [{"field": name, "message": exc.message}])
    if errors:
        raise Invalid(
            _("Check the filters: %(names)s.")
            % {"names": ", ".join(str(e["field"]) for e in errors)},
            errors=errors,
        )
    return parsed
