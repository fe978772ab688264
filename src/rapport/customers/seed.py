"""`rapport seed-bench`: a workspace with many contacts, built fast for `make bench`.

The shape follows a real sales team: ~20 people in 8 teams, about a third of the contacts
shared with a team, labels, custom values, an unclaimed queue, a few test and inactive
contacts, three years of history. Rows go in with `bulk_create`, one transaction per
batch, generated batch by batch so memory stays flat at any size. The same `seed` gives
the same rows. No activity is recorded: this is fixture data, not anyone's work.
"""

import datetime as dt
import random
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rapport.core import services as core_services
from rapport.core.errors import Invalid
from rapport.core.models import Category, Membership, Role, Team, TeamMember, User, Workspace
from rapport.core.queries import sqlite_page_cache
from rapport.customers.models import (
    Company,
    Contact,
    ContactLabel,
    ContactTeam,
    CustomerRole,
    Visibility,
)
from rapport.customfields.models import CustomField, CustomOption, CustomSection, FieldType
from rapport.search import index as search_index

PASSWORD = "bench-password-1"
BATCH = 5_000
SEED_CACHE_KIB = 262_144  # 256 MiB
HISTORY = dt.timedelta(days=3 * 365)

TEAMS = (
    "Sales North",
    "Sales South",
    "Key Accounts",
    "Partners",
    "Support",
    "Delivery",
    "Marketing",
    "Benelux",
)
MEMBERS = 19  # plus the owner: ~20 people
ADMINS = 2
INDUSTRIES = (
    ("retail", "Retail"),
    ("manufacturing", "Manufacturing"),
    ("software", "Software"),
    ("healthcare", "Healthcare"),
    ("finance", "Finance"),
    ("logistics", "Logistics"),
)

FIRST = (
    "Ada Agata Ahmed Aisha Alan Alice Amir Ana Anna Anouk Arjun Bart Beatriz Ben Bram Carla "
    "Carlos Chen Chloe Daan Dan Daniel Diego Elena Emma Eva Fatima Femke Finn Grace Hana "
    "Hugo Ines Isabel Ivan Jakub Jan Jana Javier Jens Joanna Jonas Julia Kamil Karin Kenji "
    "Lars Laura Lea Lena Liam Lucas Lucia Maja Marek Maria Marta Mateo Max Mei Mila Mohamed "
    "Nadia Nina Noah Nora Olga Oliver Omar Oscar Paula Pedro Piotr Priya Rafael Rosa Ruben "
    "Sam Sanne Sara Sofia Sven Tariq Tess Thomas Tom Ula Victor Wei Wojciech Yara Yusuf Zofia"
).split()
LAST = (
    "Abbas Andersen Bakker Berg Bianchi Brown Chen Costa Dekker Dubois Fischer Garcia "
    "Hansen Jansen Jovanovic Kaminski Kowalski Kim Kumar Larsen Laurent Lewandowski Li "
    "Lopez Martin Meyer Moreau Mulder Nagy Nguyen Novak Okafor Olsen Papadopoulos Patel "
    "Peeters Petrov Rossi Santos Schmidt Silva Smit Smith Suzuki Tanaka Visser Wagner Wang "
    "Weber Wiśniewski Wójcik Wright Yilmaz Zielinski de Jong de Vries van Dijk van den Berg"
).split()
JOBS = (
    "",
    "CEO",
    "CTO",
    "Buyer",
    "Office manager",
    "Head of sales",
    "Account manager",
    "Engineer",
    "Procurement lead",
    "Marketing manager",
    "Consultant",
)
WORDS = (
    "Acme Apex Blue Bright Cedar Delta Eagle Echo Green Harbor Iron Lake Maple Nova Oak "
    "Orbit Peak Pine Polar Prime River Silver Solar Stone Summit Swift Terra Urban Vertex"
).split()
KINDS = "Trading Logistics Systems Foods Media Labs Works Partners Group Health".split()
SUFFIXES = ("BV", "Sp. z o.o.", "GmbH", "Ltd", "SA", "Inc.", "")
CITIES = (
    ("Amsterdam", "Netherlands"),
    ("Rotterdam", "Netherlands"),
    ("Warsaw", "Poland"),
    ("Kraków", "Poland"),
    ("Berlin", "Germany"),
    ("Antwerp", "Belgium"),
    ("Lyon", "France"),
    ("Leeds", "United Kingdom"),
)


@dataclass
class SeedResult:
    workspace: Workspace
    contacts: int
    companies: int
    seconds: float
    login: str = ""  # how to log in, when this run created the owner


def seed_bench(
    *,
    contacts: int,
    workspace_slug: str | None = None,
    seed: int = 1,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Add `contacts` contacts (and ~1/20 as many companies) to a bench workspace.

    Uses the workspace `workspace_slug`, or creates it (with an owner) when absent; with no
    slug, creates a new workspace named "Bench". People, teams and the two custom fields
    are created when missing, so seeding the same workspace twice adds contacts only.
    The same `seed` gives the same rows; their timestamps count back from now.
    """
    if contacts < 0:
        raise Invalid(_("Give a number of contacts of 0 or more."), field="contacts")
    if workspace_slug is not None and slugify(workspace_slug) != workspace_slug:
        raise Invalid(_("Use lowercase letters, digits and hyphens."), field="workspace")
    started = time.perf_counter()
    rng = random.Random(seed)
    workspace, login = _workspace(workspace_slug)
    people = _people(workspace, rng)
    teams = _teams(workspace, people, rng)
    _custom_fields(workspace)
    categories = _categories(workspace)
    now = timezone.now().replace(microsecond=0)
    # A bigger page cache while seeding: the contact indexes are updated in random order.
    with _explicit_timestamps(), sqlite_page_cache(SEED_CACHE_KIB):
        company_ids = _companies(
            workspace, rng, -(-contacts // 20), people, categories, now, batch_size
        )
        done = 0
        for start in range(0, contacts, batch_size):
            size = min(batch_size, contacts - start)
            with transaction.atomic():
                _contact_batch(
                    workspace,
                    rng,
                    start=start,
                    size=size,
                    total=contacts,
                    people=people,
                    teams=teams,
                    company_ids=company_ids,
                    categories=categories,
                    now=now,
                )
            done += size
            if progress:
                progress(done)
    # Statistics first: reindexing reads the contacts back by id, and a planner that still
    # takes the table for empty chose to scan the whole workspace for each batch.
    _analyze()
    search_index.reindex(workspace_id=workspace.pk)  # findable like any imported rows
    _analyze()
    return SeedResult(
        workspace=workspace,
        contacts=contacts,
        companies=len(company_ids),
        seconds=time.perf_counter() - started,
        login=login,
    )


# --- the people ---------------------------------------------------------------------------


def _workspace(slug: str | None) -> tuple[Workspace, str]:
    workspace = Workspace.objects.filter(slug=slug).first() if slug else None
    if workspace is not None:
        return workspace, ""
    base = slugify(slug or "bench") or "bench"
    email = f"owner@{base}.bench.test"
    with transaction.atomic():
        owner = User.objects.filter(email=email).first() or core_services.user_create(
            email=email, password=PASSWORD, name="Bench Owner"
        )
        workspace = core_services.workspace_create(name=slug or "Bench", owner=owner)
        if slug and workspace.slug != slug:
            workspace.slug = slug
            workspace.save(update_fields=["slug"])
    return workspace, f"Log in at /login/ as {email} with the password {PASSWORD}"


def _people(workspace: Workspace, rng: random.Random) -> list[Membership]:
    """The workspace's people, topped up to ~20 (same password as the owner)."""
    have = Membership.objects.filter(workspace=workspace).count()
    missing = MEMBERS + 1 - have
    if missing > 0:
        password = make_password(PASSWORD)  # hashed once: hashing is slow by design
        domain = f"{workspace.slug}.bench.test"
        taken = set(
            User.objects.filter(email__endswith=f"@{domain}").values_list("email", flat=True)
        )
        users, n = [], 0
        while len(users) < missing:
            n += 1
            email = f"member{n:02d}@{domain}"
            if email in taken:
                continue
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            users.append(User(email=email, name=name, password=password))
        with transaction.atomic():
            users = User.objects.bulk_create(users)
            Membership.objects.bulk_create(
                Membership(
                    workspace=workspace,
                    user=user,
                    role=Role.ADMIN if i < ADMINS and have <= 1 else Role.MEMBER,
                )
                for i, user in enumerate(users)
            )
    return list(Membership.objects.filter(workspace=workspace).order_by("id"))


def _teams(workspace: Workspace, people: list[Membership], rng: random.Random) -> list[Team]:
    """Eight teams; everyone but the owner in one or two of them."""
    existing = {t.name: t for t in Team.objects.filter(workspace=workspace)}
    Team.objects.bulk_create(
        [Team(workspace=workspace, name=name) for name in TEAMS if name not in existing]
    )
    teams = list(Team.objects.filter(workspace=workspace, name__in=TEAMS).order_by("id"))
    seats = []
    for person in people:
        if person.role == Role.OWNER:
            continue
        for team in rng.sample(teams, rng.choice((1, 1, 2))):
            seats.append(TeamMember(workspace=workspace, team=team, user_id=person.user_id))
    TeamMember.objects.bulk_create(seats, ignore_conflicts=True)
    return teams


def _custom_fields(workspace: Workspace) -> None:
    """A dropdown "industry" with six options and a number "score" on contacts."""
    section, _created = CustomSection.objects.get_or_create(
        workspace=workspace, entity="contact", name="Profile"
    )
    industry, _created = CustomField.objects.get_or_create(
        workspace=workspace,
        entity="contact",
        key="industry",
        defaults={"section": section, "label": "Industry", "type": FieldType.DROPDOWN},
    )
    CustomField.objects.get_or_create(
        workspace=workspace,
        entity="contact",
        key="score",
        defaults={"section": section, "label": "Score", "type": FieldType.NUMBER, "position": 1},
    )
    CustomOption.objects.bulk_create(
        [
            CustomOption(workspace=workspace, field=industry, value=v, label=label, position=i)
            for i, (v, label) in enumerate(INDUSTRIES)
        ],
        ignore_conflicts=True,
    )


def _categories(workspace: Workspace) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {"labels": [], "sources": [], "company-types": []}
    for kind, pk in (
        Category.objects.filter(workspace=workspace, kind__in=ids)
        .order_by("position", "id")
        .values_list("kind", "id")
    ):
        ids[kind].append(pk)
    return ids


# --- the records -------------------------------------------------------------------------


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def _moment(now: dt.datetime, i: int, total: int, rng: random.Random) -> dt.datetime:
    """Spread over three years in insertion order, as real records arrive."""
    step = HISTORY / max(total, 1)
    return now - HISTORY + step * i + rng.random() * step


def _owner(people: list[Membership], rng: random.Random) -> int | None:
    return None if rng.random() < 0.05 else rng.choice(people).user_id


def _companies(
    workspace: Workspace,
    rng: random.Random,
    count: int,
    people: list[Membership],
    categories: dict[str, list[int]],
    now: dt.datetime,
    batch_size: int,
) -> list[int]:
    ids: list[int] = []
    roles = CustomerRole.values
    types = categories["company-types"] or [None]
    for start in range(0, count, batch_size):
        rows = []
        for i in range(start, min(count, start + batch_size)):
            name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}".strip()
            city, country = rng.choice(CITIES)
            created = _moment(now, i, count, rng)
            rows.append(
                Company(
                    workspace=workspace,
                    name=name,
                    domain=f"{_ascii(name.split()[0])}{i}.example",
                    city=city,
                    country=country,
                    type_id=rng.choice(types),
                    role=rng.choice(roles),
                    owner_id=_owner(people, rng),
                    created_at=created,
                    updated_at=created,
                )
            )
        with transaction.atomic():
            ids.extend(c.pk for c in Company.objects.bulk_create(rows))
    return ids


def _contact_batch(
    workspace: Workspace,
    rng: random.Random,
    *,
    start: int,
    size: int,
    total: int,
    people: list[Membership],
    teams: list[Team],
    company_ids: list[int],
    categories: dict[str, list[int]],
    now: dt.datetime,
) -> None:
    labels = categories["labels"]
    sources = categories["sources"] or [None]
    industries = [value for value, _label in INDUSTRIES]
    rows, extra = [], []
    for i in range(start, start + size):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        owner_id = _owner(people, rng)
        shared = rng.sample(teams, rng.choice((1, 1, 2))) if rng.random() < 0.30 else []
        custom: dict = {}
        if rng.random() < 0.8:
            custom["industry"] = rng.choice(industries)
        if rng.random() < 0.6:
            custom["score"] = rng.randint(0, 100)
        created = _moment(now, i, total, rng)
        updated = min(now, created + dt.timedelta(days=rng.random() * 60))
        rows.append(
            Contact(
                workspace=workspace,
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}{i}@example.com",
                phone=f"+31 6 {rng.randint(10_000_000, 99_999_999)}",
                company_id=rng.choice(company_ids) if rng.random() < 0.8 else None,
                job_title=rng.choice(JOBS),
                role=rng.choices(CustomerRole.values, weights=(45, 25, 30))[0],
                source_id=rng.choice(sources) if rng.random() < 0.7 else None,
                owner_id=owner_id,
                visibility=Visibility.TEAMS if shared else Visibility.PRIVATE,
                is_active=rng.random() >= 0.05,
                is_test=rng.random() < 0.02,
                custom=custom,
                created_at=created,
                updated_at=updated,
            )
        )
        picked = rng.sample(labels, rng.choice((1, 1, 2))) if labels and rng.random() < 0.4 else []
        extra.append((shared, picked))
    rows = Contact.objects.bulk_create(rows)
    ContactTeam.objects.bulk_create(
        ContactTeam(workspace=workspace, contact_id=c.pk, team_id=team.pk)
        for c, (shared, _labels) in zip(rows, extra, strict=True)
        for team in shared
    )
    ContactLabel.objects.bulk_create(
        ContactLabel(workspace=workspace, contact_id=c.pk, category_id=label)
        for c, (_shared, picked) in zip(rows, extra, strict=True)
        for label in picked
    )


# --- speed -------------------------------------------------------------------------------


@contextmanager
def _explicit_timestamps() -> Iterator[None]:
    """Let bulk_create keep the generated created_at/updated_at (three years of history).

    `auto_now(_add)` would stamp every row with the moment of the insert; the flags are
    put back as they were, also on error.
    """
    fields = [
        f
        for model in (Company, Contact)
        for f in model._meta.concrete_fields
        if f.name in ("created_at", "updated_at")
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or PRAGMA optimize would give."""
    if connection.in_atomic_block:
        return  # inside a test's transaction: nothing big enough to matter
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
