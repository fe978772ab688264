"""Likely duplicate contacts and companies: the scan that finds them, the pages that list them.

Why a scan. "Which emails do two contacts share?" is a GROUP BY ... HAVING COUNT(*) > 1, and
such a query reads every row before it can say "none": at 1,000,000 contacts it takes about
a second on SQLite even from a covering index (6-9 s from an expression index, which
SQLite 3.40 does not use as covering), whatever LIMIT the page puts on it, because real
duplicates are rare. So the grouping runs as a scan, in the background for a big workspace
(inline below `INLINE_RECORDS`), and stores the keys shared by two or more records
(`DuplicateGroup`, `DuplicateMember`). A page is then a keyset walk over those groups in
match-key order, costs the same at any size, and is checked against the live rows as it is
read: a member the reader may not see, or one deleted, merged or edited since the scan, does
not count, and a group left with fewer than two members is not shown. Nothing about who may
see a record is stored (owners, shares and team seats change without a scan); a pair names
its two records on the group row so that this check reads as little as it can. New
duplicates appear with the next scan: on opening the page when the last one is older than
`FRESH_INLINE` / `FRESH_BACKGROUND`, or on "Check again".

The match keys themselves (what "same phone" means, accents, legal suffixes) live in
`match_keys.py`.
"""

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    Model,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Length, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.core.models import Membership, Workspace
from rapport.core.pagination import keyset_page
from rapport.customers import match_keys as mk
from rapport.customers.duplicate_models import DuplicateGroup, DuplicateMember, DuplicateScan
from rapport.customers.models import Company, Contact
from rapport.customers.selectors import contact_visibility

ENTITIES = ("contact", "company")
REASONS = {"contact": ("email", "phone", "name"), "company": ("domain", "name")}
INLINE_RECORDS = 20_000  # a scan this small (~0.1 s) runs inside the request
FRESH_INLINE = dt.timedelta(seconds=30)
FRESH_BACKGROUND = dt.timedelta(hours=1)
# A requested background scan that has not finished by then is asked for again (the worker
# may have been down, or the scan failed).
RETRY_AFTER = dt.timedelta(minutes=15)
MAX_MEMBERS = 500  # ids kept per group; a key shared by more is a data problem, not a pair
SHOWN_PER_GROUP = 6  # records a group shows on the page before "and N more"
READ_PER_GROUP = 12  # members of one group read for a page (ids in the API, the merge link)
BATCH = 2_000


# --- the scan -----------------------------------------------------------------------------


@dataclass
class Found:
    reason: str
    key: str
    ids: list[int]
    scope: int | None = None


def _ids(raw: str | None) -> list[int]:
    return sorted({int(x) for x in (raw or "").split(",") if x})


def _found(reason: str, key: str, ids: Iterable[int], scope: int | None = None) -> Found | None:
    ids = sorted(set(ids))
    if len(ids) < 2 or not key:
        return None
    return Found(reason=reason, key=key[:300], ids=ids, scope=scope)


def _email_sql(vendor: str) -> str:
    """(key, comma-separated ids) for every address two contacts share, primary or other."""
    table = connection.ops.quote_name(Contact._meta.db_table)
    if vendor == "postgresql":
        others = (
            f"SELECT c.id, LOWER(TRIM(j.value)) FROM {table} c, "
            "jsonb_array_elements_text(c.other_emails) AS j(value) "
            "WHERE c.workspace_id = %s AND jsonb_typeof(c.other_emails) = 'array' "
            "AND c.other_emails <> '[]'::jsonb"
        )
        agg = "STRING_AGG(DISTINCT id::text, ',')"
    else:
        others = (
            f"SELECT c.id, LOWER(TRIM(j.value)) FROM {table} c, json_each(c.other_emails) j "
            "WHERE c.workspace_id = %s AND json_type(c.other_emails) = 'array' "
            "AND c.other_emails <> '[]' AND j.type = 'text'"
        )
        agg = "GROUP_CONCAT(DISTINCT id)"
    return (
        f"SELECT k, {agg} FROM ("
        f"SELECT id, LOWER(TRIM(email)) AS k FROM {table} WHERE workspace_id = %s AND email <> ''"
        f" UNION ALL {others}"
        ") e WHERE k <> '' GROUP BY k HAVING COUNT(DISTINCT id) > 1"
    )


def _contact_emails(workspace: Workspace) -> Iterator[Found]:
    with connection.cursor() as cursor:
        cursor.execute(_email_sql(connection.vendor), [workspace.pk, workspace.pk])
        while rows := cursor.fetchmany(BATCH):
            for key, ids in rows:
                if found := _found("email", key, _ids(str(ids))):
                    yield found


def _grouped(qs, key) -> Iterator[tuple[str, list[int]]]:
    """(key, ids) of each value of the expression `key` that two or more rows share."""
    rows = (
        qs.annotate(k=key)
        .values("k")
        .annotate(n=Count("pk"), ids=StringAgg(Cast("pk", CharField()), delimiter=Value(",")))
        .filter(n__gt=1)
        .order_by()
        .values_list("k", "ids")
    )
    for k, ids in rows.iterator(chunk_size=BATCH):
        yield k, _ids(ids)


def _contact_phones(workspace: Workspace) -> Iterator[Found]:
    qs = (
        Contact.objects.filter(workspace=workspace)
        .exclude(phone="")
        .alias(k_len=Length(mk.PhoneKey("phone")))
        .filter(k_len__gte=mk.PHONE_MIN_DIGITS)
    )
    for key, ids in _grouped(qs, mk.PhoneKey("phone")):
        if found := _found("phone", key, ids):
            yield found


def _contact_names(workspace: Workspace) -> Iterator[Found]:
    """Same folded name within one company: one company's people at a time, in id order."""
    rows = (
        Contact.objects.filter(workspace=workspace, company__isnull=False)
        .order_by("company_id", "id")
        .values_list("company_id", "id", "first_name", "last_name")
        .iterator(chunk_size=BATCH)
    )
    yield from _runs(rows, lambda r: mk.person_key(r[2], r[3]), "name", scoped=True)


def _runs(rows, exact, reason: str, *, scoped: bool) -> Iterator[Found]:
    """Groups by exact key within runs of rows sharing their first column (a company, or a
    candidate prefix): memory holds one run at a time."""
    run_key, keys = object(), {}

    def flush():
        for key, ids in keys.items():
            if found := _found(reason, key, ids, run_key if scoped else None):
                yield found

    for row in rows:
        if row[0] != run_key:
            yield from flush()
            run_key, keys = row[0], {}
        key = exact(row)
        if key:
            keys.setdefault(key, []).append(row[1])
    yield from flush()


def _company_domains(workspace: Workspace) -> Iterator[Found]:
    qs = Company.objects.filter(workspace=workspace).exclude(domain="")
    for key, ids in _grouped(qs, Lower("domain")):
        if found := _found("domain", key, ids):
            yield found


def _company_names(workspace: Workspace) -> Iterator[Found]:
    rows = (
        Company.objects.filter(workspace=workspace)
        .annotate(prefix=mk.CompanyPrefix("name"))
        .order_by("prefix", "id")
        .values_list("prefix", "id", "name")
        .iterator(chunk_size=BATCH)
    )
    yield from _runs(rows, lambda r: mk.company_key(r[2]), "name", scoped=False)


SCANS = {
    "contact": (_contact_emails, _contact_phones, _contact_names),
    "company": (_company_domains, _company_names),
}


def _write(workspace: Workspace, entity: str, found: Iterable[Found]) -> int:
    """Replace the entity's groups with `found`, in batches, in the caller's transaction."""
    DuplicateMember.objects.filter(workspace=workspace, group__entity=entity).delete()
    DuplicateGroup.objects.filter(workspace=workspace, entity=entity).delete()
    ranks = {reason: i for i, reason in enumerate(REASONS[entity])}
    total, batch = 0, []

    def flush():
        groups = DuplicateGroup.objects.bulk_create(
            DuplicateGroup(
                workspace=workspace,
                entity=entity,
                reason=f.reason,
                rank=ranks[f.reason],
                key=f.key,
                scope=f.scope,
                size=len(f.ids),
                first=f.ids[0] if len(f.ids) == 2 else None,
                second=f.ids[1] if len(f.ids) == 2 else None,
            )
            for f in batch
        )
        DuplicateMember.objects.bulk_create(
            (
                DuplicateMember(workspace=workspace, group=group, record_id=pk)
                for group, f in zip(groups, batch, strict=True)
                for pk in f.ids[:MAX_MEMBERS]
            ),
            batch_size=BATCH,
        )

    for f in found:
        batch.append(f)
        total += 1
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return total


def duplicates_scan(*, workspace: Workspace, entity: str) -> DuplicateScan:
    """Group the workspace's contacts (or companies) by every match key, now.

    The reading happens outside any transaction (it may take seconds at 1M rows); the old
    groups are swapped for the new ones in one short transaction, so a reader sees either.
    """
    if entity not in ENTITIES:
        raise Invalid(_("Use contact or company."), field="entity")
    started = time.perf_counter()
    scan, _created = DuplicateScan.objects.get_or_create(workspace=workspace, entity=entity)
    DuplicateScan.objects.filter(pk=scan.pk).update(started_at=timezone.now())
    found = [f for scan_fn in SCANS[entity] for f in scan_fn(workspace)]
    model = Contact if entity == "contact" else Company
    records = model.objects.filter(workspace=workspace).count()
    with transaction.atomic():
        # Two scans finishing at once take turns: the second then replaces the first's
        # groups instead of adding its own beside them.
        DuplicateScan.objects.select_for_update().filter(pk=scan.pk).first()
        groups = _write(workspace, entity, found)
        DuplicateScan.objects.filter(pk=scan.pk).update(
            finished_at=timezone.now(),
            records=records,
            groups=groups,
            seconds=time.perf_counter() - started,
        )
    scan.refresh_from_db()
    return scan


def _is_small(workspace: Workspace, entity: str, scan: DuplicateScan) -> bool:
    if scan.finished_at is not None:
        return scan.records < INLINE_RECORDS
    model = Contact if entity == "contact" else Company
    # A bounded count: stops at the threshold instead of counting a million rows.
    return model.objects.filter(workspace=workspace)[: INLINE_RECORDS + 1].count() <= (
        INLINE_RECORDS
    )


def duplicates_refresh(*, workspace: Workspace, entity: str, force: bool = False) -> DuplicateScan:
    """Make sure the groups are recent: scan now (small workspace), or ask the worker to
    (big one), unless the last scan is fresh or one is already on its way.

    Any member may ask: the groups are a cache of what the records say, and every reader
    sees only what visibility lets them (see `duplicate_page`).
    """
    if entity not in ENTITIES:
        raise Invalid(_("Use contact or company."), field="entity")
    scan, _created = DuplicateScan.objects.get_or_create(workspace=workspace, entity=entity)
    now = timezone.now()
    small = _is_small(workspace, entity, scan)
    fresh_for = FRESH_INLINE if small else FRESH_BACKGROUND
    if not force and scan.finished_at and now - scan.finished_at < fresh_for:
        return scan
    if small:
        return duplicates_scan(workspace=workspace, entity=entity)
    pending = scan.requested_at and (not scan.finished_at or scan.requested_at > scan.finished_at)
    if pending and now - scan.requested_at < RETRY_AFTER:
        return scan
    # Of two requests at once, the conditional UPDATE lets one enqueue the scan.
    claimed = DuplicateScan.objects.filter(pk=scan.pk, requested_at=scan.requested_at).update(
        requested_at=now
    )
    if claimed:
        from rapport.customers.tasks import scan_duplicates

        scan_duplicates.enqueue(workspace_id=workspace.pk, entity=entity)
    scan.refresh_from_db()
    return scan


def scan_state(scan: DuplicateScan | None) -> dict:
    """When the groups were last made, and whether newer ones are on their way."""
    if scan is None:
        return {"checked_at": None, "scanning": False}
    pending = bool(
        scan.requested_at and (not scan.finished_at or scan.requested_at > scan.finished_at)
    )
    return {"checked_at": scan.finished_at, "scanning": pending}


# --- reading pages ------------------------------------------------------------------------


@dataclass
class Group:
    """Records of one match, as the reader may see them now (oldest first)."""

    id: int
    reason: str
    value: str
    records: list[Model]
    size: int = 0  # members the reader may see; `records` holds the first READ_PER_GROUP
    scope: int | None = None
    company: Company | None = None  # contacts by name: the company they share
    shown: list[Model] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [r.pk for r in self.records]

    @property
    def more(self) -> int:
        return self.size - len(self.shown)


@dataclass
class DuplicatePage:
    items: list[Group]
    next: str | None
    checked_at: dt.datetime | None
    scanning: bool


def _still_matches(entity: str, group: DuplicateGroup, record) -> bool:
    """Whether `record` still has the group's key (it may have been edited since the scan)."""
    if entity == "company":
        if group.reason == "domain":
            return mk.email_key(record.domain) == group.key
        return mk.company_key(record.name) == group.key
    if group.reason == "email":
        emails = [record.email, *(e for e in record.other_emails or [] if isinstance(e, str))]
        return group.key in {mk.email_key(e) for e in emails}
    if group.reason == "phone":
        return mk.phone_key(record.phone) == group.key
    return record.company_id == group.scope and (
        mk.person_key(record.first_name, record.last_name) == group.key
    )


def _records(workspace: Workspace, actor: Membership, entity: str):
    if entity == "company":
        return Company.objects.filter(workspace=workspace)
    return Contact.objects.filter(workspace=workspace).filter(contact_visibility(actor=actor))


def duplicate_page(
    *,
    workspace: Workspace,
    actor: Membership,
    entity: str,
    reason: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> DuplicatePage:
    """One page of likely duplicates the actor may see, in match-key order (reason, key).

    A group counts only the members the actor may see (companies: every member sees every
    company), so a pair of which the reader sees one record is not shown to them at all.
    Fixed number of queries: the page of groups, their members, the records.
    """
    if entity not in ENTITIES:
        raise Invalid(_("Use contact or company."), field="entity")
    if reason is not None and reason not in REASONS[entity]:
        raise Invalid(
            _("Use one of: %(reasons)s.") % {"reasons": ", ".join(REASONS[entity])},
            field="reason",
        )
    records = _records(workspace, actor, entity)
    live = records.filter(pk=OuterRef("record_id"))
    seen = (
        DuplicateMember.objects.filter(group=OuterRef("pk"))
        .filter(Exists(live))
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Nearly every group is a pair, named on the group row: it shows when the reader may
    # see both records, and the second is looked up only when the first is visible. A
    # member who sees one contact in seven then reads ~1.14 contacts a pair instead of two,
    # and no member rows (docs/decisions.md, "Likely duplicates come from a scan").
    pair = (
        Q(second__isnull=False)
        & Exists(records.filter(pk=OuterRef("first")))
        & Exists(records.filter(pk=OuterRef("second")))
    )
    bigger = Q(second__isnull=True) & Q(seen__gte=2)
    groups = DuplicateGroup.objects.filter(workspace=workspace, entity=entity)
    if reason:
        groups = groups.filter(reason=reason)
    groups = groups.alias(seen=Subquery(seen)).filter(pair | bigger)
    page = keyset_page(groups, order=("rank", "key", "id"), limit=limit, cursor=cursor)
    scan = DuplicateScan.objects.filter(workspace=workspace, entity=entity).first()
    return DuplicatePage(
        items=_materialise(workspace, actor, entity, page.items),
        next=page.next,
        **scan_state(scan),
    )


def _visible_sizes(
    workspace: Workspace, actor: Membership, entity: str, group_ids: list[int]
) -> dict[int, int]:
    """Members the reader may see in each group too big to read whole."""
    live = _records(workspace, actor, entity).filter(pk=OuterRef("record_id"))
    rows = (
        DuplicateMember.objects.filter(group_id__in=group_ids)
        .filter(Exists(live))
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    return dict(rows)


def _materialise(
    workspace: Workspace, actor: Membership, entity: str, groups: list[DuplicateGroup]
) -> list[Group]:
    if not groups:
        return []
    members: dict[int, list[int]] = {}
    for group_id, record_id in (
        DuplicateMember.objects.filter(group_id__in=[g.pk for g in groups])
        .order_by("group_id", "record_id")
        .values_list("group_id", "record_id")
    ):
        ids = members.setdefault(group_id, [])
        if len(ids) < READ_PER_GROUP:
            ids.append(record_id)
    wanted = {pk for ids in members.values() for pk in ids}
    qs = _records(workspace, actor, entity).filter(pk__in=wanted)
    if entity == "contact":
        qs = qs.select_related("company", "owner")
    records = {r.pk: r for r in qs}
    big = [g.pk for g in groups if len(members.get(g.pk, [])) >= READ_PER_GROUP]
    if entity == "company":  # no visibility rule: the scan's count stands
        sizes = {g.pk: g.size for g in groups}
    else:
        sizes = _visible_sizes(workspace, actor, entity, big) if big else {}
    result = []
    for g in groups:
        matching = [
            records[pk]
            for pk in sorted(members.get(g.pk, []))
            if pk in records and _still_matches(entity, g, records[pk])
        ]
        if len(matching) < 2:
            continue  # changed since the scan: the next scan will tell
        company = None
        if entity == "contact" and g.reason == "name":
            company = matching[0].company
        result.append(
            Group(
                id=g.pk,
                reason=g.reason,
                value=g.key,
                records=matching,
                size=max(sizes.get(g.pk, 0), len(matching)),
                scope=g.scope,
                company=company,
                shown=matching[:SHOWN_PER_GROUP],
            )
        )
    return result


def duplicates_of(
    *, workspace: Workspace, actor: Membership, entity: str, record_id: int
) -> list[Group]:
    """The groups (from the last scan) that hold one record, as the actor may see them.

    For the record's page: "possible duplicates" and its "Merge with..." picker.
    """
    groups = list(
        DuplicateGroup.objects.filter(
            workspace=workspace,
            entity=entity,
            pk__in=DuplicateMember.objects.filter(workspace=workspace, record_id=record_id)
            .filter(group__entity=entity)
            .values("group_id"),
        ).order_by("rank", "key", "id")[:10]
    )
    return _materialise(workspace, actor, entity, groups)
