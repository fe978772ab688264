"""Every read of user lists, and the one way a list's members are worked out.

A list's filter is read with `read_filters`: the filter language validates it, every id it
names is resolved to a name (the readable summary) and whatever it refers to that is gone
(a deleted label, team or custom field) becomes an error instead of a silently empty list.
`user_list_members` then applies it to the contacts the viewer may see.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import Invalid, NotFound
from rapport.core.models import Category, Membership, Team, Workspace
from rapport.customers.models import Company, Contact, CustomerRole, Visibility
from rapport.customers.selectors import contact_visible
from rapport.customfields.validation import FieldDef, definitions
from rapport.filters import ParsedFilter, parse_filters
from rapport.lists.models import UserList

# Keys naming records by id, and where those records live.
REFERENCES = ("label", "source", "team", "company", "owner")
KEY_LABELS = {
    "q": gettext_lazy("Matches"),
    "role": gettext_lazy("Role"),
    "label": gettext_lazy("Label"),
    "team": gettext_lazy("Shared with team"),
    "owner": gettext_lazy("Owner"),
    "source": gettext_lazy("Source"),
    "company": gettext_lazy("Company"),
    "is_active": gettext_lazy("Status"),
    "is_test": gettext_lazy("Test contacts"),
    "created_within_days": gettext_lazy("Created in the last"),
    "created_after": gettext_lazy("Created on or after"),
    "created_before": gettext_lazy("Created on or before"),
    "first_name": gettext_lazy("First name contains"),
    "last_name": gettext_lazy("Last name contains"),
    "email": gettext_lazy("Email contains"),
    "phone": gettext_lazy("Phone contains"),
    "job_title": gettext_lazy("Job title contains"),
    "visibility": gettext_lazy("Visibility"),
    "sort": gettext_lazy("Sorted by"),
}


@dataclass(frozen=True)
class Term:
    """One condition of a list in words: "Label: VIP or Press"."""

    key: str
    label: str
    value: str
    default: bool = False  # a rule every list has unless its filter says otherwise


@dataclass
class ListFilter:
    """A list's filter, read: what it says in words, and why it cannot run, if it cannot."""

    terms: list[Term] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    parsed: ParsedFilter | None = None

    @property
    def usable(self) -> bool:
        return self.parsed is not None and not self.errors


def user_list_all(*, workspace: Workspace, actor: Membership) -> QuerySet[UserList]:
    """Every list of the workspace: a list is a definition, readable by every member."""
    return UserList.objects.filter(workspace=workspace).select_related("created_by")


def user_list_get(*, workspace: Workspace, actor: Membership, list_id: int) -> UserList:
    user_list = user_list_all(workspace=workspace, actor=actor).filter(pk=list_id).first()
    if user_list is None:
        raise NotFound(_("List not found."))
    return user_list


def may_manage_list(*, actor: Membership, user_list: UserList) -> bool:
    return actor.is_admin or (
        user_list.created_by_id is not None and user_list.created_by_id == actor.user_id
    )


# --- reading filters ---------------------------------------------------------------------


def _ids(value) -> list[int]:
    """The ids in a filter value, leniently: parse_filters reports the bad ones."""
    parts = str(value).split(",")
    return [
        int(p)
        for p in (x.strip() for x in parts)
        if p.isascii() and p.isdigit() and len(p) <= 18 and int(p) > 0
    ]


def _names(workspace: Workspace, filters: Iterable[Mapping]) -> dict[str, dict[int, str]]:
    """{key: {id: name}} for every id the filters name: one query per kind that appears."""
    wanted: dict[str, set[int]] = {key: set() for key in REFERENCES}
    for params in filters:
        for key in REFERENCES:
            if key in params:
                wanted[key].update(_ids(params[key]))
    names: dict[str, dict[int, str]] = {key: {} for key in REFERENCES}
    for key, kind in (("label", "labels"), ("source", "sources")):
        if wanted[key]:
            rows = Category.objects.filter(workspace=workspace, kind=kind, pk__in=wanted[key])
            names[key] = dict(rows.values_list("pk", "name"))
    if wanted["team"]:
        rows = Team.objects.filter(workspace=workspace, pk__in=wanted["team"])
        names["team"] = dict(rows.values_list("pk", "name"))
    if wanted["company"]:
        rows = Company.objects.filter(workspace=workspace, pk__in=wanted["company"])
        names["company"] = dict(rows.values_list("pk", "name"))
    if wanted["owner"]:
        rows = Membership.objects.filter(
            workspace=workspace, user_id__in=wanted["owner"]
        ).select_related("user")
        names["owner"] = {m.user_id: m.user.display_name for m in rows}
    return names


MISSING = {
    "label": gettext_lazy("The filter refers to label #%(id)s, which no longer exists."),
    "source": gettext_lazy("The filter refers to source #%(id)s, which no longer exists."),
    "team": gettext_lazy("The filter refers to team #%(id)s, which no longer exists."),
    "company": gettext_lazy("The filter refers to company #%(id)s, which no longer exists."),
    "owner": gettext_lazy(
        "The filter refers to member #%(id)s, who is no longer in this workspace."
    ),
}
SPECIAL = {
    ("owner", "me"): gettext_lazy("The person looking (me)"),
    ("owner", "none"): gettext_lazy("Nobody (unclaimed)"),
    ("source", "none"): gettext_lazy("No source"),
    ("company", "none"): gettext_lazy("No company"),
}
FLAGS = {
    "is_active": {
        "true": gettext_lazy("Active only"),
        "false": gettext_lazy("Inactive only"),
        "any": gettext_lazy("Active and inactive"),
    },
    "is_test": {
        "true": gettext_lazy("Only test contacts"),
        "false": gettext_lazy("Left out"),
        "any": gettext_lazy("Included"),
    },
}
FLAG_WORDS = {"1": "true", "yes": "true", "on": "true", "0": "false", "no": "false"}
FLAG_WORDS |= {"off": "false", "all": "any"}


def _reference_term(key: str, value: str, names: dict[int, str], errors: list) -> str:
    if (key, value) in SPECIAL:
        return str(SPECIAL[(key, value)])
    words = []
    for pk in _ids(value):
        if pk in names:
            words.append(names[pk])
        else:
            words.append(_("#%(id)s (gone)") % {"id": pk})
            errors.append({"field": key, "message": str(MISSING[key] % {"id": pk})})
    return _(" or ").join(words) if words else value


def _custom_term(name: str, value: str, fd: FieldDef) -> Term:
    key, _sep, op = name.removeprefix("custom.").partition("__")
    label = fd.label
    if op == "gte":
        label = _("%(field)s from") % {"field": fd.label}
    elif op == "lte":
        label = _("%(field)s up to") % {"field": fd.label}
    if value == "none":
        text = _("No value")
    elif fd.options:
        text = str(dict(fd.options).get(value, value))
    else:
        text = value
    return Term(name, label, text)


def _term(key: str, value: str, names: dict[str, dict[int, str]], errors: list) -> Term:
    label = str(KEY_LABELS.get(key, key))
    if key in REFERENCES:
        return Term(key, label, _reference_term(key, value, names[key], errors))
    if key == "role":
        roles = dict(CustomerRole.choices)
        return Term(key, label, _(" or ").join(str(roles.get(r, r)) for r in value.split(",")))
    if key in FLAGS:
        word = FLAG_WORDS.get(value.lower(), value.lower())
        return Term(key, label, str(FLAGS[key].get(word, value)))
    if key == "visibility":
        return Term(key, label, str(dict(Visibility.choices).get(value, value)))
    if key == "created_within_days":
        return Term(key, label, _("%(n)s days") % {"n": value})
    if key == "q":
        return Term(key, label, f"“{value}”")
    return Term(key, label, value)


def read_filter_many(
    *,
    workspace: Workspace,
    actor: Membership,
    filters: list[Mapping],
    defs: list[FieldDef] | None = None,
) -> list[ListFilter]:
    """Read several lists' filters at once, in a fixed number of queries (one per kind of
    record they name, plus the custom field definitions)."""
    if defs is None:
        defs = definitions(workspace=workspace, entity="contact")
    by_key = {d.key: d for d in defs}
    names = _names(workspace, filters)
    result = []
    for params in filters:
        read = ListFilter()
        runnable: dict[str, str] = {}
        for name in sorted(params):
            value = str(params[name])
            custom_key = _custom_key(name, value)
            if custom_key is not None and custom_key not in by_key:
                read.terms.append(Term(name, custom_key, value))
                read.errors.append(
                    {
                        "field": name,
                        "message": _(
                            "The filter refers to the custom field “%(key)s”, which no longer "
                            "exists."
                        )
                        % {"key": custom_key[:50]},
                    }
                )
                continue
            runnable[name] = value
            if name.startswith("custom."):
                read.terms.append(_custom_term(name, value, by_key[custom_key]))
            else:
                read.terms.append(_term(name, value, names, read.errors))
        try:
            read.parsed = parse_filters(
                workspace=workspace, actor=actor, entity="contact", params=runnable, defs=defs
            )
        except Invalid as exc:
            read.errors.extend(exc.errors or [{"field": "filter", "message": exc.message}])
        for key, word in (("is_active", _("Active only")), ("is_test", _("Left out"))):
            if key not in params:
                read.terms.append(Term(key, str(KEY_LABELS[key]), word, default=True))
        result.append(read)
    return result


def _custom_key(name: str, value: str) -> str | None:
    """The custom field a filter parameter (or a sort by one) names, if any."""
    if name.startswith("custom."):
        return name.removeprefix("custom.").partition("__")[0]
    if name == "sort" and value.lstrip("-").startswith("custom."):
        return value.lstrip("-").removeprefix("custom.")
    return None


def read_filter(*, workspace: Workspace, actor: Membership, params: Mapping) -> ListFilter:
    return read_filter_many(workspace=workspace, actor=actor, filters=[params])[0]


def user_list_members(
    *,
    workspace: Workspace,
    actor: Membership,
    read: ListFilter,
    visible: QuerySet[Contact] | None = None,
) -> QuerySet[Contact]:
    """The contacts in a list for `actor` right now: the filter over the contacts they may
    see, without test and inactive contacts unless the filter asks for them.

    Unordered; `read.parsed.order` is the list's order (a keyset order ending in id). A
    filter that cannot run is `Invalid` with its errors, never an empty list. `visible`
    replaces `contact_visible` by the same rule in another shape (the CSV download reads
    every member with `contact_visible_scan`).
    """
    if not read.usable:
        raise Invalid(
            _("This list's filter refers to something that no longer exists or is not valid."),
            code="filter_invalid",
            errors=read.errors,
        )
    if visible is None:
        visible = contact_visible(workspace=workspace, actor=actor)
    qs = read.parsed.apply(visible)
    if "is_active" not in read.parsed.params:
        qs = qs.filter(is_active=True)
    return qs
