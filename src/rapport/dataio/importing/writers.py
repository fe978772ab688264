"""Deduplicate and write one batch of cleaned rows: a fixed number of queries per batch.

`plan` decides what each row does (create, update, skip, reject) without writing, so the
preview shows exactly what the run will do; `apply` writes a planned batch. Rows that
repeat an earlier row of the same batch are merged into it (update) or skipped; rows that
repeat a row of an earlier batch find it in the database, because every batch is written
in the one transaction of the run before the next is planned.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.categories import KINDS
from rapport.core.models import Activity, Category
from rapport.core.queries import one_of
from rapport.customers.models import Company, CompanyLabel, Contact, ContactLabel, ContactTeam
from rapport.customers.selectors import contact_visible
from rapport.customers.services import _common as c
from rapport.customers.services import companies as company_rules
from rapport.customers.services import contacts as contact_rules
from rapport.dataio.importing import sql
from rapport.dataio.importing.rows import (
    CREATE,
    REJECT,
    SKIP,
    UPDATE,
    Context,
    Row,
    category_stub,
    company_stub,
    fold,
)
from rapport.search import index as search_index
from rapport.search.models import Pending

CONTACT_COLUMNS = (
    "workspace",
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_emails",
    "other_phones",
    "company",
    "job_title",
    "role",
    "source",
    "owner",
    "visibility",
    "is_active",
    "is_test",
    "custom",
    "version",
    "created_at",
    "updated_at",
)
COMPANY_COLUMNS = (
    "workspace",
    "name",
    "domain",
    "website",
    "phone",
    "street",
    "city",
    "postal_code",
    "region",
    "country",
    "type",
    "role",
    "primary_contact",
    "owner",
    "custom",
    "version",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "workspace",
    "at",
    "actor",
    "acting_as",
    "verb",
    "target_type",
    "target_id",
    "summary",
    "changes",
)
LINK_COLUMNS = ("workspace", "contact", "category")
PENDING_COLUMNS = ("workspace_id", "kind", "ids")


def _defer(workspace_id: int, kind: str, ids) -> None:
    """`search_index.defer` through `sql.insert`, which the run's sender may send."""
    sql.insert(Pending, PENDING_COLUMNS, search_index.pending_rows(workspace_id, kind, ids))


class Importer:
    """The shared half of contacts and companies: counts, names → ids, activity rows."""

    model: type[Contact] | type[Company]
    target_type: str

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0}
        self._companies: dict[str, int] | None = None
        self._positions: dict[str, int] = {}

    # --- deciding ----------------------------------------------------------------------

    def plan(self, rows: list[Row], *, lock: bool, held: frozenset = frozenset()) -> list[Row]:
        """Set each row's action; rows that fail a check that needs the database (a
        required custom field on create) are rejected here too. `held`: the keys the run
        wrote in its last batch, which the database does not have yet (its sender sends
        that batch after these reads): a row repeating one is skipped. (On update, the
        run sends that batch first, so `held` must not meet this batch's keys.)"""
        valid = [r for r in rows if r.action != REJECT]
        keys = {r.key for r in valid if r.key}
        update = self.ctx.options.on_duplicate == "update"
        repeats = keys & held
        if repeats and update:
            raise RuntimeError("an update must see the rows it repeats: send them first")
        asked = keys - repeats
        existing = self.find(asked, lock=lock) if asked else {}
        existing.update(dict.fromkeys(repeats, True))
        leaders: dict[str, Row] = {}
        for row in valid:
            if row.key and row.key in leaders:
                if update:
                    leaders[row.key].absorb(row)
                else:
                    row.action = SKIP
                continue
            if row.key and row.key in existing:
                row.existing = existing[row.key]
                row.action = UPDATE if update else SKIP
            else:
                row.action = CREATE
            if row.key:
                leaders[row.key] = row
        for row in valid:
            if row.leader is None and row.action in (CREATE, UPDATE):
                errors = self.check(row)
                if errors:
                    row.reject(errors)
        return rows

    def check(self, row: Row) -> list[dict]:
        current = row.existing.custom if row.action == UPDATE else None
        return self.ctx.check_custom(row, current)

    @staticmethod
    def written_keys(rows: Iterable[Row]) -> frozenset:
        """The keys of the rows a batch creates or updates."""
        return frozenset(r.key for r in rows if r.key and r.action in (CREATE, UPDATE))

    def tally(self, rows: Iterable[Row]) -> None:
        for row in rows:
            key = {CREATE: "created", UPDATE: "updated", SKIP: "skipped"}.get(row.action)
            self.counts[key or "rejected"] += 1

    # --- names to ids, creating what is missing -------------------------------------------

    def company_ids(self) -> dict[str, int]:
        """Every company of the workspace by folded name (the oldest wins a tie), loaded
        once: matching happens in Python so that "ŁÓDŹ" finds "Łódź" on SQLite too."""
        if self._companies is None:
            self._companies = {}
            rows = (
                Company.objects.filter(workspace=self.ctx.workspace)
                .order_by("pk")
                .values_list("pk", "name")
                .iterator(chunk_size=10_000)
            )
            for pk, name in rows:
                self._companies.setdefault(fold(name), pk)
        return self._companies

    def ensure_companies(self, names: dict[str, str], now) -> dict[str, int]:
        """Ids of the named companies (folded name → spelling), creating the missing ones."""
        known = self.company_ids()
        missing = [(key, name) for key, name in names.items() if key not in known]
        if missing:
            base = sql.defaults(Company, COMPANY_COLUMNS)
            ws, owner = self.ctx.workspace.pk, self.ctx.actor.user_id
            rows = [
                _company_tuple(base, ws, {"name": name}, None, "", owner, {}, now)
                for _key, name in missing
            ]
            ids = sql.insert(Company, COMPANY_COLUMNS, rows, returning=True)
            summaries = []
            for (key, name), pk in zip(missing, ids, strict=True):
                known[key] = pk
                summaries.append((pk, name))
            self.activities("company.imported", "company", summaries, now)
            _defer(self.ctx.workspace.pk, "company", ids)
        return known

    def ensure_categories(self, kind: str, names: Iterable[str]) -> dict[str, int]:
        """Ids of the named categories of `kind` by folded name, creating the missing ones
        as an admin would in Settings (the row checks refused them for members, except
        labels, which the import creates for anyone)."""
        known = self.ctx.categories[kind]
        for name in names:
            key = fold(name)
            if key in known:
                continue
            if kind not in self._positions:
                last = Category.objects.filter(workspace=self.ctx.workspace, kind=kind).aggregate(
                    m=Max("position")
                )["m"]
                self._positions[kind] = -1 if last is None else last
            self._positions[kind] += 1
            category = Category.objects.create(
                workspace=self.ctx.workspace, kind=kind, name=name, position=self._positions[kind]
            )
            known[key] = category.pk
            self.ctx.category_names[category.pk] = name
            self.activities(
                "category.created",
                "category",
                [(category.pk, f"{KINDS[kind].label}: {name}")],
                timezone.now(),
            )
        return known

    def label_ids(self, row: Row, ids: dict[str, int]) -> list[int]:
        names = row.labels
        if self.ctx.options.label:
            names = [*names, self.ctx.options.label]
        return list(dict.fromkeys(ids[fold(n)] for n in names))

    def activities(self, verb: str, target_type: str, items, now, changes=None) -> None:
        """One activity per (id, summary) in the shape `record_activity` writes; `changes`
        is a list parallel to `items` (or None for none)."""
        actor = self.ctx.actor
        actor_id = actor.acting_by.pk if actor.acting_by else actor.user_id
        acting_as = actor.user_id if actor.acting_by else None
        ws = self.ctx.workspace.pk
        items = list(items)
        changes = changes or [{}] * len(items)
        as_json = sql.preparer(Activity, "changes")
        at = sql.preparer(Activity, "at")(now)
        rows = [
            (ws, at, actor_id, acting_as, verb, target_type, pk, summary[:300], as_json(change))
            for (pk, summary), change in zip(items, changes, strict=True)
        ]
        sql.insert(Activity, ACTIVITY_COLUMNS, rows, prepared=True)

    def apply(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def find(self, keys: set[str], *, lock: bool) -> dict:
        raise NotImplementedError


def _company_tuple(base, ws, values, type_id, role, owner_id, custom, now) -> tuple:
    return (
        ws,
        values.get("name", ""),
        values.get("domain", ""),
        values.get("website", ""),
        values.get("phone", ""),
        values.get("street", ""),
        values.get("city", ""),
        values.get("postal_code", ""),
        values.get("region", ""),
        values.get("country", ""),
        type_id,
        values.get("role") or role or base["role"],
        None,
        owner_id,
        custom,
        1,
        now,
        now,
    )


def _contact_summary(values: dict, pk: int) -> str:
    name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    return name or values.get("email") or f"#{pk}"


class ContactImporter(Importer):
    model = Contact
    target_type = "contact"

    def find(self, keys: set[str], *, lock: bool) -> dict:
        """Contacts the actor may see with these emails (stored lower-case by every write
        path): the lowest id per email. A contact they may not see does not exist for
        them, so it is no duplicate either."""
        ctx = self.ctx
        qs = contact_visible(workspace=ctx.workspace, actor=ctx.actor).filter(
            one_of(Contact, "email", keys)
        )
        found: dict = {}
        if ctx.options.on_duplicate != "update":
            for email in qs.order_by("pk").values_list("email", flat=True):
                found.setdefault(email, True)
            return found
        qs = qs.select_related("company", "source").order_by("pk")
        if lock:
            # Locked in primary-key order, as the bulk actions do, so two writers queue.
            qs = qs.select_for_update(of=("self",))
        for contact in qs:
            found.setdefault(contact.email, contact)
        return found

    def apply(self, rows: list[Row]) -> None:
        ctx = self.ctx
        now = timezone.now()
        creates = [r for r in rows if r.action == CREATE]
        updates = [r for r in rows if r.action == UPDATE and r.leader is None]
        changing = creates + updates
        companies: dict[str, str] = {}
        for r in changing:
            if r.company:
                companies.setdefault(fold(r.company), r.company)  # the first spelling wins
        company_ids = self.ensure_companies(companies, now) if companies else {}
        labels = [n for r in changing for n in r.labels]
        if ctx.options.label and changing:
            labels.append(ctx.options.label)
        label_ids = self.ensure_categories("labels", labels)
        source_ids = self.ensure_categories("sources", [r.category for r in changing if r.category])
        if creates:
            self._create(creates, company_ids, label_ids, source_ids, now)
        if updates:
            self._update(updates, company_ids, label_ids, source_ids, now)
        self.tally(rows)

    def _create(self, rows, company_ids, label_ids, source_ids, now) -> None:
        ctx = self.ctx
        ws, owner, visibility = ctx.workspace.pk, ctx.owner_id, ctx.visibility
        role = ctx.options.default_role or Contact._meta.get_field("role").get_default()
        default_source = ctx.options.default_source_id
        as_json = sql.preparer(Contact, "custom")
        at = sql.preparer(Contact, "created_at")(now)
        tuples = []
        for r in rows:
            v = r.values
            tuples.append(
                (
                    ws,
                    v.get("first_name", ""),
                    v.get("last_name", ""),
                    v.get("email", ""),
                    v.get("phone", ""),
                    as_json(v.get("other_emails", [])),
                    as_json(v.get("other_phones", [])),
                    company_ids[fold(r.company)] if r.company else None,
                    v.get("job_title", ""),
                    v.get("role") or role,
                    source_ids[fold(r.category)] if r.category else default_source,
                    owner,
                    visibility,
                    v.get("is_active", True),
                    False,
                    as_json(r.custom),
                    1,
                    at,
                    at,
                )
            )
        ids = sql.insert(Contact, CONTACT_COLUMNS, tuples, returning=True, prepared=True)
        links, shares, changes = [], [], []
        team_names = c.names(ctx.teams)
        # One change record per distinct set of labels, shared by the rows that have it,
        # so the activity insert encodes each set once (sql.insert caches by object).
        change_of: dict[tuple[int, ...], dict] = {}
        for r, pk in zip(rows, ids, strict=True):
            mine = self.label_ids(r, label_ids)
            links += [(ws, pk, label) for label in mine]
            shares += [(ws, pk, team.pk) for team in ctx.teams]
            change = change_of.get(tuple(mine))
            if change is None:
                change = {}
                if mine:
                    change["labels"] = [[], [ctx.category_names[label] for label in mine]]
                if team_names:
                    change["teams"] = [[], team_names]
                change_of[tuple(mine)] = change
            changes.append(change)
        sql.insert(ContactLabel, LINK_COLUMNS, links)
        sql.insert(ContactTeam, ("workspace", "contact", "team"), shares)
        summaries = ((pk, _contact_summary(r.values, pk)) for r, pk in zip(rows, ids, strict=True))
        self.activities("contact.imported", "contact", summaries, now, changes)
        _defer(ws, "contact", ids)

    def _update(self, rows, company_ids, label_ids, source_ids, now) -> None:
        ctx = self.ctx
        ws = ctx.workspace.pk
        have: dict[int, list[int]] = {}
        for contact_id, category_id in (
            ContactLabel.objects.filter(contact_id__in=[r.existing.pk for r in rows])
            .order_by("pk")
            .values_list("contact_id", "category_id")
        ):
            have.setdefault(contact_id, []).append(category_id)
        changed, fields, links, activities, changes = [], set(), [], [], []
        for r in rows:
            contact = r.existing
            values = dict(r.values)
            if r.company:
                key = fold(r.company)
                values["company"] = company_stub(company_ids[key], r.company)
            if r.category:
                key = fold(r.category)
                values["source"] = category_stub(source_ids[key], r.category)
            if r.custom:
                values["custom"] = r.custom
            change, names = c.assign(
                contact,
                values,
                contact_rules.SCALARS + contact_rules.RELATED,
                related=contact_rules.RELATED,
            )
            old = have.get(contact.pk, [])
            new = [label for label in self.label_ids(r, label_ids) if label not in old]
            if new:
                links += [(ws, contact.pk, label) for label in new]
                names_of = ctx.category_names
                change["labels"] = [
                    [names_of[x] for x in old],
                    [names_of[x] for x in old + new],
                ]
            if not change:
                continue
            contact.version += 1
            contact.updated_at = now
            fields.update(names)
            changed.append(contact)
            activities.append((contact.pk, str(contact)))
            changes.append(change)
        if changed:
            Contact.objects.bulk_update(
                changed, sorted(fields | {"version", "updated_at"}), batch_size=500
            )
        sql.insert(ContactLabel, LINK_COLUMNS, links)
        if changed:
            self.activities("contact.import_updated", "contact", activities, now, changes)
            _defer(ws, "contact", [x.pk for x in changed])


class CompanyImporter(Importer):
    model = Company
    target_type = "company"

    def find(self, keys: set[str], *, lock: bool) -> dict:
        """Companies with these folded names or domains (every member sees every company)."""
        ctx = self.ctx
        update = ctx.options.on_duplicate == "update"
        if ctx.options.dedupe == "name":
            known = self.company_ids()
            ids = {key: known[key] for key in keys if key in known}
            if not update:
                return dict.fromkeys(ids, True)
            qs = Company.objects.filter(workspace=ctx.workspace, pk__in=ids.values())
            by_id = {x.pk: x for x in self._lock(qs, lock)}
            return {key: by_id[pk] for key, pk in ids.items() if pk in by_id}
        qs = Company.objects.filter(workspace=ctx.workspace).filter(one_of(Company, "domain", keys))
        found: dict = {}
        if not update:
            for domain in qs.order_by("pk").values_list("domain", flat=True):
                found.setdefault(domain, True)
            return found
        for company in self._lock(qs, lock):
            found.setdefault(company.domain, company)
        return found

    @staticmethod
    def _lock(qs, lock: bool):
        qs = qs.select_related("type", "owner", "primary_contact").order_by("pk")
        return qs.select_for_update(of=("self",)) if lock else qs

    def check(self, row: Row) -> list[dict]:
        errors = []
        if row.action == CREATE and not row.values.get("name"):
            errors.append({"field": "name", "message": _("Give the company a name.")})
        return errors + super().check(row)

    def apply(self, rows: list[Row]) -> None:
        ctx = self.ctx
        now = timezone.now()
        creates = [r for r in rows if r.action == CREATE]
        updates = [r for r in rows if r.action == UPDATE and r.leader is None]
        changing = creates + updates
        labels = [n for r in changing for n in r.labels]
        if ctx.options.label and changing:
            labels.append(ctx.options.label)
        label_ids = self.ensure_categories("labels", labels)
        type_ids = self.ensure_categories(
            "company-types", [r.category for r in changing if r.category]
        )
        if creates:
            self._create(creates, label_ids, type_ids, now)
        if updates:
            self._update(updates, label_ids, type_ids, now)
        self.tally(rows)

    def _create(self, rows, label_ids, type_ids, now) -> None:
        ctx = self.ctx
        ws, owner = ctx.workspace.pk, ctx.owner_id
        base = sql.defaults(Company, COMPANY_COLUMNS)
        tuples = [
            _company_tuple(
                base,
                ws,
                r.values,
                type_ids[fold(r.category)] if r.category else None,
                ctx.options.default_role,
                owner,
                r.custom,
                now,
            )
            for r in rows
        ]
        ids = sql.insert(Company, COMPANY_COLUMNS, tuples, returning=True)
        known = self.company_ids() if self.ctx.options.dedupe == "name" else None
        links, changes = [], []
        for r, pk in zip(rows, ids, strict=True):
            if known is not None:
                known.setdefault(fold(r.values["name"]), pk)
            mine = self.label_ids(r, label_ids)
            links += [(ws, pk, label) for label in mine]
            changes.append({"labels": [[], [ctx.category_names[x] for x in mine]]} if mine else {})
        sql.insert(CompanyLabel, ("workspace", "company", "category"), links)
        summaries = ((pk, r.values["name"]) for r, pk in zip(rows, ids, strict=True))
        self.activities("company.imported", "company", summaries, now, changes)
        _defer(ws, "company", ids)

    def _update(self, rows, label_ids, type_ids, now) -> None:
        ctx = self.ctx
        ws = ctx.workspace.pk
        have: dict[int, list[int]] = {}
        for company_id, category_id in (
            CompanyLabel.objects.filter(company_id__in=[r.existing.pk for r in rows])
            .order_by("pk")
            .values_list("company_id", "category_id")
        ):
            have.setdefault(company_id, []).append(category_id)
        changed, fields, links, activities, changes = [], set(), [], [], []
        for r in rows:
            company = r.existing
            values = dict(r.values)
            if r.category:
                values["type"] = category_stub(type_ids[fold(r.category)], r.category)
            if r.custom:
                values["custom"] = r.custom
            change, names = c.assign(
                company,
                values,
                company_rules.SCALARS + company_rules.RELATED,
                related=company_rules.RELATED,
                by_id=("primary_contact",),
            )
            old = have.get(company.pk, [])
            new = [label for label in self.label_ids(r, label_ids) if label not in old]
            if new:
                links += [(ws, company.pk, label) for label in new]
                names_of = ctx.category_names
                change["labels"] = [[names_of[x] for x in old], [names_of[x] for x in old + new]]
            if not change:
                continue
            company.version += 1
            company.updated_at = now
            fields.update(names)
            changed.append(company)
            activities.append((company.pk, company.name))
            changes.append(change)
        if changed:
            Company.objects.bulk_update(
                changed, sorted(fields | {"version", "updated_at"}), batch_size=500
            )
        sql.insert(CompanyLabel, ("workspace", "company", "category"), links)
        if changed:
            self.activities("company.import_updated", "company", activities, now, changes)
            _defer(ws, "company", [x.pk for x in changed])


def importer_for(ctx: Context) -> Importer:
    return ContactImporter(ctx) if ctx.entity == "contact" else CompanyImporter(ctx)
