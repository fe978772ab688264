"""Merging duplicates: one record survives, the others are folded into it and are gone.

What a merge of contacts does, in one transaction:
- each field of the survivor takes the value of the record the user picked for it
  (`fields`: {"email": <id>, "custom.industry": <id>, ...}); a field not picked keeps the
  survivor's value, or the first non-empty one of the others (in `other_ids` order);
- other emails and phones become the union of everyone's, plus the primary addresses and
  numbers that were not kept, so nothing anyone typed is lost;
- labels and team shares become the union (shared with teams if any record was);
- notes, and the timeline (activity) of the others move to the survivor; companies whose
  primary contact was one of the others now point at the survivor;
- user lists are dynamic filters over the contacts' fields, so there is nothing to move:
  the survivor is in every list its merged values match;
- later modules (projects, deals, tickets...) re-point their own rows through
  `MERGE_HOOKS` (see `merge_hook`); a foreign key to a merged record that nobody handles
  makes the merge refuse (409) rather than lose or cascade-delete someone's rows;
- the survivor's version goes up (its ETag changes), the merge is recorded on its
  timeline (who was merged, which field came from which record), the search index forgets
  the others and refreshes the survivor, and the others are deleted: 404 everywhere.
Companies the same way, and the contacts of the other companies move to the survivor.

Who may merge: the actor must see every record (a record they may not see is a 404, as it
is everywhere else) and be allowed to edit and delete each of them (403 otherwise), since
the others are deleted: for contacts their owner or an admin (`may_manage`), for companies
their owner, an admin, or anyone when unowned (`may_manage_company`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.core.models import Activity, Membership, Workspace
from rapport.customers import match_keys
from rapport.customers.duplicate_models import DuplicateMember
from rapport.customers.models import (
    Company,
    CompanyLabel,
    Contact,
    ContactLabel,
    ContactTeam,
    Note,
    SavedView,
    Visibility,
)
from rapport.customers.selectors import contact_visible
from rapport.customers.services import _common as c
from rapport.customers.services.companies import may_manage_company
from rapport.customers.services.contacts import may_manage
from rapport.customfields.validation import definitions
from rapport.search import index as search_index

MAX_RECORDS = 10  # in one merge, the survivor included: a person compares them side by side

# Field names as the API spells them -> model attribute.
CONTACT_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "company_id": "company",
    "job_title": "job_title",
    "role": "role",
    "source_id": "source",
    "owner_id": "owner",
    "is_active": "is_active",
    "is_test": "is_test",
}
COMPANY_FIELDS = {
    "name": "name",
    "domain": "domain",
    "website": "website",
    "phone": "phone",
    "street": "street",
    "city": "city",
    "postal_code": "postal_code",
    "region": "region",
    "country": "country",
    "type_id": "type",
    "role": "role",
    "primary_contact_id": "primary_contact",
    "owner_id": "owner",
}
RELATED = {"company", "source", "owner", "type", "primary_contact"}
CUSTOM = "custom."


# --- hooks for later modules ----------------------------------------------------------


@dataclass(frozen=True)
class MergeHook:
    kind: str  # "contact" | "company"
    fn: Callable[..., None]
    handles: tuple[str, ...]  # "app_label.Model.field" foreign keys the hook re-points


MERGE_HOOKS: dict[str, list[MergeHook]] = {"contact": [], "company": []}


def merge_hook(kind: str, *, handles: tuple[str, ...] = ()):
    """Register `fn(*, workspace, actor, survivor, losers)` to run in every merge of `kind`,
    inside its transaction, after the fields are merged and before the losers are deleted.

    A module whose rows point at contacts or companies (a project's client, a deal's
    contact) re-points them to the survivor here and names the foreign keys in `handles`,
    e.g. `@merge_hook("company", handles=("projects.Project.company",))`. Until a module
    does, a merge that would touch its rows is refused.
    """
    if kind not in MERGE_HOOKS:
        raise ValueError(kind)

    def register(fn):
        MERGE_HOOKS[kind].append(MergeHook(kind=kind, fn=fn, handles=tuple(handles)))
        return fn

    return register


@merge_hook("company")
def _saved_views_follow_the_survivor(*, workspace, actor, survivor, losers) -> None:
    """Saved contact views filtered by a merged company now filter by the survivor."""
    lost = {str(x.pk) for x in losers}
    views = SavedView.objects.filter(workspace=workspace, entity="contact").select_for_update()
    for view in views:
        raw = (view.filters or {}).get("company")
        values = raw if isinstance(raw, list) else str(raw or "").split(",")
        values = [str(v).strip() for v in values if str(v).strip()]
        if not lost & set(values):
            continue
        kept = list(dict.fromkeys(str(survivor.pk) if v in lost else v for v in values))
        view.filters = {**view.filters, "company": ",".join(kept)}
        view.save(update_fields=["filters"])


# Foreign keys to Contact / Company this module re-points itself.
HANDLED = {
    "contact": {
        "customers.Note.contact",
        "customers.ContactTeam.contact",
        "customers.ContactLabel.contact",
        "customers.Company.primary_contact",
    },
    "company": {
        "customers.Note.company",
        "customers.CompanyLabel.company",
        "customers.Contact.company",
    },
}


def _refuse_unhandled(kind: str, model: type[models.Model], loser_ids: list[int]) -> None:
    """409 when another module's rows point at a loser and no merge hook moves them."""
    handled = HANDLED[kind] | {h for hook in MERGE_HOOKS[kind] for h in hook.handles}
    for rel in model._meta.related_objects:
        if rel.many_to_many or not hasattr(rel, "field"):
            continue
        label = f"{rel.related_model._meta.label}.{rel.field.name}"
        if label in handled:
            continue
        if rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": loser_ids}).exists():
            raise Conflict(
                _(
                    "These records are still used by %(what)s, which cannot be moved to the "
                    "kept record yet. Nothing was merged."
                )
                % {"what": rel.related_model._meta.verbose_name_plural},
                code="merge_unsupported",
            )


# --- validation -----------------------------------------------------------------------


def _other_ids(kind_label: str, record_id: int, other_ids: Any) -> list[int]:
    if not isinstance(other_ids, (list, tuple)) or not other_ids:
        raise Invalid(_("Choose at least one other record to merge."), field="other_ids")
    ids: list[int] = []
    for raw in other_ids:
        pk = c.parse_id(raw)
        if pk is None:
            raise Invalid(_("Give the ids of the records to merge."), field="other_ids")
        if pk == record_id:
            raise Invalid(
                _("A %(kind)s cannot be merged with itself.") % {"kind": kind_label},
                field="other_ids",
            )
        if pk not in ids:
            ids.append(pk)
    if len(ids) + 1 > MAX_RECORDS:
        raise Invalid(
            _("Merge at most %(n)d records at a time.") % {"n": MAX_RECORDS}, field="other_ids"
        )
    return ids


def _picks(fields: Any, allowed: dict, custom_keys: set[str], ids: set[int]) -> dict[str, int]:
    """{field: record id} checked: every key is a field, every id one of the merged."""
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise Invalid(_("Give the fields as {field: record id}."), field="fields")
    errors = c.Errors()
    picks: dict[str, int] = {}
    for key, raw in fields.items():
        name = f"fields.{key}"
        is_custom = isinstance(key, str) and key.startswith(CUSTOM)
        if not isinstance(key, str) or (
            key not in allowed and not (is_custom and key[len(CUSTOM) :] in custom_keys)
        ):
            errors.add(name, _("%(key)s is not a field that can be merged.") % {"key": key})
            continue
        pk = c.parse_id(raw)
        if pk is None or pk not in ids:
            errors.add(name, _("Pick the value of one of the records being merged."))
            continue
        picks[key] = pk
    errors.raise_if_any()
    return picks


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _value(record, key: str) -> Any:
    if key.startswith(CUSTOM):
        return (record.custom or {}).get(key[len(CUSTOM) :])
    return getattr(record, key)


def _resolve(
    records: dict[int, models.Model], order: list[int], picks: dict[str, int], keys
) -> tuple[dict[str, Any], dict[str, int]]:
    """The value each field ends with, and the record it comes from.

    A picked record gives its value, even an empty one (the user chose "none"); otherwise
    the survivor's value, or the first non-empty value of the others.
    """
    values: dict[str, Any] = {}
    sources: dict[str, int] = {}
    for key, attr in keys:
        if key in picks:
            source = picks[key]
        else:
            source = next((pk for pk in order if not _empty(_value(records[pk], attr))), order[0])
        values[key] = _value(records[source], attr)
        sources[key] = source
    return values, sources


def merge_defaults(records: list[models.Model], entity: str, custom_keys) -> dict[str, int]:
    """{field: record id} a merge uses when nothing is picked (records: survivor first).

    The merge page starts from these, so the UI and the API keep the same values.
    """
    fields = CONTACT_FIELDS if entity == "contact" else COMPANY_FIELDS
    keys = [*fields.items(), *((f"{CUSTOM}{k}", f"{CUSTOM}{k}") for k in custom_keys)]
    by_id = {r.pk: r for r in records}
    _values, sources = _resolve(by_id, [r.pk for r in records], {}, keys)
    return sources


def _union(values, key=lambda v: v.lower()) -> list[str]:
    seen, result = set(), []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            continue
        k = key(v.strip())
        if k not in seen:
            seen.add(k)
            result.append(v.strip())
    return result


def _phone_identity(value: str) -> str:
    return match_keys.phone_key(value) or value


def _lock(model, workspace: Workspace, ids: list[int], related) -> dict[int, models.Model]:
    # Rows are locked in primary-key order, so two merges of overlapping records queue
    # behind each other instead of deadlocking. Only the records themselves ("self"): the
    # related rows are read for their values, and PostgreSQL refuses to lock the nullable
    # side of an outer join.
    rows = (
        model.objects.filter(workspace=workspace, pk__in=ids)
        .select_related(*related)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    return {r.pk: r for r in rows}


def _save(record: models.Model, changes: dict) -> None:
    """Save the changed fields with the version bumped (the ETag changes), then re-read."""
    concrete = {f.name for f in record._meta.concrete_fields if f.name not in ("id", "workspace")}
    record.version = F("version") + 1
    record.save(update_fields=[*(k for k in changes if k in concrete), "version", "updated_at"])
    record.refresh_from_db()


def _missing(message: str, pk: int) -> NotFound:
    """404 naming the id, for a record that is not there or that the actor may not see:
    the same answer for both, and for another workspace's id, so none can be probed."""
    text = message % {"id": pk}
    return NotFound(text, errors=[{"field": "other_ids", "message": text}])


def _names(records) -> list[str]:
    return [f"{r} (#{r.pk})" for r in records]


# --- contacts -------------------------------------------------------------------------


def contact_merge(
    *,
    workspace: Workspace,
    actor: Membership,
    contact_id: int,
    other_ids: list[int],
    fields: dict[str, int] | None = None,
) -> Contact:
    """Merge `other_ids` into the contact `contact_id`, the survivor, and return it."""
    other_ids = _other_ids(_("contact"), contact_id, other_ids)
    defs = definitions(workspace=workspace, entity="contact")
    all_ids = [contact_id, *other_ids]
    picks = _picks(fields, CONTACT_FIELDS, {d.key for d in defs}, set(all_ids))
    with transaction.atomic():
        locked = _lock(Contact, workspace, all_ids, ("company", "source", "owner"))
        visible = set(
            contact_visible(workspace=workspace, actor=actor)
            .filter(pk__in=all_ids)
            .values_list("pk", flat=True)
        )
        if contact_id not in visible:
            raise c.not_found(_("Contact"))
        for pk in other_ids:
            if pk not in visible:
                raise _missing(_("Contact #%(id)d not found."), pk)
        survivor, losers = locked[contact_id], [locked[pk] for pk in other_ids]
        for record in (survivor, *losers):
            if not may_manage(actor, record):
                raise Forbidden(
                    _(
                        "You may not merge %(name)s: only its owner or an admin can, since "
                        "merging deletes the other records."
                    )
                    % {"name": record}
                )
        _refuse_unhandled("contact", Contact, other_ids)
        keys = [(k, attr) for k, attr in CONTACT_FIELDS.items()]
        keys += [(f"{CUSTOM}{d.key}", f"{CUSTOM}{d.key}") for d in defs]
        values, sources = _resolve(locked, all_ids, picks, keys)
        changes = _merge_contact_fields(survivor, losers, values)
        changes.update(_merge_contact_links(workspace, survivor, losers))
        loser_ids = [x.pk for x in losers]
        Note.objects.filter(workspace=workspace, contact_id__in=loser_ids).update(contact=survivor)
        Company.objects.filter(workspace=workspace, primary_contact_id__in=loser_ids).update(
            primary_contact=survivor, version=F("version") + 1, updated_at=timezone.now()
        )
        _complete(
            workspace=workspace,
            actor=actor,
            kind="contact",
            survivor=survivor,
            losers=losers,
            changes=changes,
            sources=sources,
            summary=_("Merged %(names)s into this contact."),
        )
    return survivor


def _merge_contact_fields(survivor: Contact, losers: list[Contact], values: dict) -> dict:
    """Set the survivor's fields; returns the changes ({field: [old, new]}) by name."""
    everyone = [survivor, *losers]
    # Every address and number anyone had, taken before the survivor's fields change.
    all_emails = [r.email for r in everyone] + [e for r in everyone for e in r.other_emails or []]
    all_phones = [r.phone for r in everyone] + [p for r in everyone for p in r.other_phones or []]
    changes: dict = {}
    custom = dict(survivor.custom or {})
    for key, value in values.items():
        if key.startswith(CUSTOM):
            name = key[len(CUSTOM) :]
            if _empty(value):
                custom.pop(name, None)
            else:
                custom[name] = value
            continue
        attr = CONTACT_FIELDS[key]
        old = getattr(survivor, attr)
        if old != value:
            if attr in RELATED:
                changes[attr] = [str(old) if old else None, str(value) if value else None]
            else:
                changes[attr] = [old, value]
            setattr(survivor, attr, value)
    if custom != (survivor.custom or {}):
        changes["custom"] = [survivor.custom, custom]
        survivor.custom = custom
    emails = _union(all_emails)
    emails = [e for e in emails if e.lower() != (survivor.email or "").lower()]
    phones = _union(all_phones, key=_phone_identity)
    phones = [p for p in phones if _phone_identity(p) != _phone_identity(survivor.phone or "")]
    for name, merged in (("other_emails", emails), ("other_phones", phones)):
        if len(merged) > c.MAX_OTHER:
            raise Invalid(
                _(
                    "Together these contacts have more than %(n)d other email addresses or "
                    "phone numbers: remove some before merging."
                )
                % {"n": c.MAX_OTHER},
                field=name,
            )
        if merged != list(getattr(survivor, name) or []):
            changes[name] = [getattr(survivor, name), merged]
            setattr(survivor, name, merged)
    return changes


def _merge_contact_links(workspace: Workspace, survivor: Contact, losers: list[Contact]) -> dict:
    """Labels and team shares become the union of everyone's."""
    changes: dict = {}
    ids = [survivor.pk, *(x.pk for x in losers)]
    label_rows = ContactLabel.objects.filter(contact_id__in=ids).select_related("category")
    have = {row.category_id for row in label_rows if row.contact_id == survivor.pk}
    labels = {row.category_id: row.category for row in label_rows}
    missing = [labels[pk] for pk in labels if pk not in have]
    if missing:
        ContactLabel.objects.bulk_create(
            [ContactLabel(workspace=workspace, contact=survivor, category=x) for x in missing]
        )
        before = sorted(str(labels[pk]) for pk in have)
        changes["labels"] = [before, sorted(str(x) for x in labels.values())]
    shared = [r for r in (survivor, *losers) if r.visibility == Visibility.TEAMS]
    share_rows = ContactTeam.objects.filter(contact_id__in=[r.pk for r in shared]).select_related(
        "team"
    )
    teams = {row.team_id: row.team for row in share_rows}
    have = {row.team_id for row in share_rows if row.contact_id == survivor.pk}
    missing = [teams[pk] for pk in teams if pk not in have]
    if missing:
        ContactTeam.objects.bulk_create(
            [ContactTeam(workspace=workspace, contact=survivor, team=x) for x in missing]
        )
        changes["teams"] = [
            sorted(str(teams[pk]) for pk in have),
            sorted(str(x) for x in teams.values()),
        ]
    if teams and survivor.visibility != Visibility.TEAMS:
        changes["visibility"] = [survivor.visibility, Visibility.TEAMS]
        survivor.visibility = Visibility.TEAMS
    return changes


# --- companies ------------------------------------------------------------------------


def company_merge(
    *,
    workspace: Workspace,
    actor: Membership,
    company_id: int,
    other_ids: list[int],
    fields: dict[str, int] | None = None,
) -> Company:
    """Merge the companies `other_ids` into `company_id`; their contacts move to it."""
    other_ids = _other_ids(_("company"), company_id, other_ids)
    defs = definitions(workspace=workspace, entity="company")
    all_ids = [company_id, *other_ids]
    picks = _picks(fields, COMPANY_FIELDS, {d.key for d in defs}, set(all_ids))
    with transaction.atomic():
        locked = _lock(Company, workspace, all_ids, ("type", "primary_contact", "owner"))
        if company_id not in locked:
            raise c.not_found(_("Company"))
        for pk in other_ids:
            if pk not in locked:
                raise _missing(_("Company #%(id)d not found."), pk)
        survivor, losers = locked[company_id], [locked[pk] for pk in other_ids]
        for record in (survivor, *losers):
            if not may_manage_company(actor, record):
                raise Forbidden(
                    _(
                        "You may not merge %(name)s: only its owner or an admin can, since "
                        "merging deletes the other records."
                    )
                    % {"name": record}
                )
        _refuse_unhandled("company", Company, other_ids)
        keys = [(k, attr) for k, attr in COMPANY_FIELDS.items()]
        keys += [(f"{CUSTOM}{d.key}", f"{CUSTOM}{d.key}") for d in defs]
        values, sources = _resolve(locked, all_ids, picks, keys)
        changes = _merge_company_fields(survivor, values)
        loser_ids = [x.pk for x in losers]
        changes.update(_merge_company_labels(workspace, survivor, loser_ids))
        moved = list(
            Contact.objects.filter(workspace=workspace, company_id__in=loser_ids).values_list(
                "pk", flat=True
            )
        )
        # Every contact of the others, seen by the actor or not: they belonged to the
        # company, which now is the survivor (as deleting a company detaches them all).
        Contact.objects.filter(workspace=workspace, pk__in=moved).update(
            company=survivor, version=F("version") + 1, updated_at=timezone.now()
        )
        if moved:
            changes["contacts"] = [None, len(moved)]
        Note.objects.filter(workspace=workspace, company_id__in=loser_ids).update(company=survivor)
        _complete(
            workspace=workspace,
            actor=actor,
            kind="company",
            survivor=survivor,
            losers=losers,
            changes=changes,
            sources=sources,
            summary=_("Merged %(names)s into this company."),
        )
        if moved:
            search_index.refresh(workspace.pk, "contact", moved)
    return survivor


def _merge_company_fields(survivor: Company, values: dict) -> dict:
    changes: dict = {}
    custom = dict(survivor.custom or {})
    for key, value in values.items():
        if key.startswith(CUSTOM):
            name = key[len(CUSTOM) :]
            if _empty(value):
                custom.pop(name, None)
            else:
                custom[name] = value
            continue
        attr = COMPANY_FIELDS[key]
        old = getattr(survivor, attr)
        if old == value:
            continue
        if attr == "primary_contact":
            # Ids, not names: a timeline reader may not see the contact.
            changes[attr] = [old.pk if old else None, value.pk if value else None]
        elif attr in RELATED:
            changes[attr] = [str(old) if old else None, str(value) if value else None]
        else:
            changes[attr] = [old, value]
        setattr(survivor, attr, value)
    if custom != (survivor.custom or {}):
        changes["custom"] = [survivor.custom, custom]
        survivor.custom = custom
    return changes


def _merge_company_labels(workspace: Workspace, survivor: Company, loser_ids: list[int]) -> dict:
    rows = CompanyLabel.objects.filter(company_id__in=[survivor.pk, *loser_ids]).select_related(
        "category"
    )
    labels = {row.category_id: row.category for row in rows}
    have = {row.category_id for row in rows if row.company_id == survivor.pk}
    missing = [labels[pk] for pk in labels if pk not in have]
    if not missing:
        return {}
    CompanyLabel.objects.bulk_create(
        [CompanyLabel(workspace=workspace, company=survivor, category=x) for x in missing]
    )
    return {
        "labels": [sorted(str(labels[pk]) for pk in have), sorted(str(x) for x in labels.values())]
    }


def _complete(*, workspace, actor, kind: str, survivor, losers, changes, sources, summary):
    """What every merge ends with, once its own rows have moved: the timeline, the hooks,
    the survivor saved, the merge recorded, the losers deleted and the index updated."""
    loser_ids = [x.pk for x in losers]
    Activity.objects.filter(workspace=workspace, target_type=kind, target_id__in=loser_ids).update(
        target_id=survivor.pk
    )
    for hook in MERGE_HOOKS[kind]:
        hook.fn(workspace=workspace, actor=actor, survivor=survivor, losers=losers)
    _save(survivor, changes)
    record_activity(
        workspace=workspace,
        actor=actor,
        verb=f"{kind}.merged",
        target=survivor,
        summary=summary % {"names": ", ".join(_names(losers))},
        changes={
            **changes,
            "merged": [_names(losers), f"{survivor} (#{survivor.pk})"],
            "merged_ids": [loser_ids, survivor.pk],
            "picked": [None, sources],
        },
    )
    DuplicateMember.objects.filter(
        workspace=workspace, record_id__in=loser_ids, group__entity=kind
    ).delete()
    type(survivor).objects.filter(workspace=workspace, pk__in=loser_ids).delete()
    search_index.forget(workspace.pk, kind, loser_ids)
    search_index.refresh(workspace.pk, kind, [survivor.pk])
