"""The providers this issue ships: contacts and companies (indexed), and people, teams and
settings pages (answered live from their small tables). Registered in `apps.ready`."""

import re

from django.db.models import OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import Membership, Team, Workspace
from rapport.core.queries import one_of
from rapport.customers.models import Company, Contact
from rapport.customers.selectors import contact_visibility
from rapport.search.fold import fold, phone_digits
from rapport.search.registry import (
    Document,
    Hit,
    IndexedProvider,
    LiveProvider,
    RowExists,
    register,
)

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://(www\.)?", re.I)


class ContactProvider(IndexedProvider):
    label = _("Contact")

    def documents(self, *, workspace_id: int, ids: list[int]):
        rows = Contact.objects.filter(workspace_id=workspace_id).filter(one_of(Contact, "id", ids))
        rows = rows.values_list(
            "pk",
            "first_name",
            "last_name",
            "email",
            "phone",
            "other_emails",
            "other_phones",
            "job_title",
        )
        for pk, first, last, email, phone, emails, phones, job in rows:
            name = f"{first} {last}".strip()
            title = name or email or f"#{pk}"
            yield Document(
                object_id=pk,
                title=title,
                subtitle=" · ".join(x for x in (email or phone, job) if x),
                words=[name or email],
                other=[
                    email,
                    *(emails or []),
                    *(phone_digits(p) for p in [phone, *(phones or [])] if p),
                ],
            )

    def ids(self, *, workspace_id: int) -> QuerySet:
        return Contact.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)

    def url(self, *, slug: str, object_id: int) -> str:
        return reverse("contact_detail", args=[slug, object_id])

    def visible(self, *, actor: Membership) -> Q | None:
        if actor.is_owner:
            return None
        # The one visibility rule, asked of the contact behind each index row as the
        # query walks them: a share or a new team seat counts at once.
        contacts = Contact.objects.filter(
            workspace_id=actor.workspace_id, pk=OuterRef("object_id")
        ).filter(contact_visibility(actor=actor))
        return Q(RowExists(contacts))


class CompanyProvider(IndexedProvider):
    label = _("Company")

    def documents(self, *, workspace_id: int, ids: list[int]):
        rows = Company.objects.filter(workspace_id=workspace_id).filter(one_of(Company, "id", ids))
        rows = rows.values_list("pk", "name", "domain", "website", "city")
        for pk, name, domain, website, city in rows:
            site = _SCHEME.sub("", website).rstrip("/")
            yield Document(
                object_id=pk,
                title=name,
                subtitle=" · ".join(x for x in (domain or site, city) if x),
                words=[name],
                other=[domain, site if site != domain else "", city],
            )

    def ids(self, *, workspace_id: int) -> QuerySet:
        return Company.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)

    def url(self, *, slug: str, object_id: int) -> str:
        return reverse("company_detail", args=[slug, object_id])


def tier(terms: list[str], name: str, *others: str) -> int | None:
    """How well folded `terms` match a live record: 0 every term a whole word of the name,
    1 every term starts a word, 2 every term is inside some word; None: no match."""
    name_words = fold(name).split()
    all_words = name_words + [w for o in others for w in fold(o).split()]
    if all(t in name_words for t in terms):
        return 0
    if all(any(w.startswith(t) for w in all_words) for t in terms):
        return 1
    if all(any(t in w for w in all_words) for t in terms):
        return 2
    return None


def _contains_all(fields: tuple[str, ...], raw_terms: list[str]) -> Q:
    q = Q()
    for term in raw_terms:
        any_field = Q()
        for f in fields:
            any_field |= Q(**{f"{f}__icontains": term})
        q &= any_field
    return q


class PeopleProvider(LiveProvider):
    """The workspace's people, for admins (the link is the members page)."""

    label = _("Person")

    def search(
        self,
        *,
        workspace: Workspace,
        actor: Membership,
        terms: list[str],
        raw: list[str],
        limit: int,
    ):
        if not actor.is_admin:
            return []
        url = reverse("settings_members", args=[workspace.slug])
        rows = (
            Membership.objects.filter(workspace=workspace)
            .filter(_contains_all(("user__name", "user__email"), raw))
            .select_related("user")
            .order_by("user__email")[: limit * 2]
        )
        hits = []
        for m in rows:
            rank = tier(terms, m.user.name or m.user.email, m.user.email)
            if rank is not None:
                title = m.user.display_name
                hits.append((rank, Hit("person", m.user_id, title, m.user.email, url, self.label)))
        return hits[:limit]


class TeamProvider(LiveProvider):
    label = _("Team")

    def search(
        self,
        *,
        workspace: Workspace,
        actor: Membership,
        terms: list[str],
        raw: list[str],
        limit: int,
    ):
        if not actor.is_admin:
            return []
        url = reverse("settings_teams", args=[workspace.slug])
        rows = (
            Team.objects.filter(workspace=workspace)
            .filter(_contains_all(("name",), raw))
            .order_by("name", "id")[: limit * 2]
        )
        hits = []
        for team in rows:
            rank = tier(terms, team.name)
            if rank is not None:
                hits.append((rank, Hit("team", team.pk, team.name, "", url, self.label)))
        return hits[:limit]


# (URL name, title, extra words, admins only). Titles are what the pages are called.
PAGES = (
    ("account", _("Profile and language"), "account name language", False),
    ("account_password", _("Password"), "account", False),
    ("account_tokens", _("API tokens"), "account api", False),
    ("settings_general", _("Workspace settings"), "general name", True),
    ("settings_modules", _("Modules"), "settings", True),
    ("settings_members", _("Members"), "settings people invitations roles", True),
    ("settings_teams", _("Teams"), "settings", True),
    ("settings_custom_fields", _("Custom fields"), "settings", True),
    ("settings_activity", _("Activity log"), "settings audit", True),
)


class PageProvider(LiveProvider):
    """Settings and account pages by name, answered from a fixed list (no query)."""

    label = _("Page")

    def search(
        self,
        *,
        workspace: Workspace,
        actor: Membership,
        terms: list[str],
        raw: list[str],
        limit: int,
    ):
        hits = []
        for i, (name, title, extra, admins) in enumerate(PAGES):
            if admins and not actor.is_admin:
                continue
            rank = tier(terms, str(title), extra)
            if rank is not None:
                url = reverse(name, args=[workspace.slug])
                hits.append((rank, Hit("page", i + 1, str(title), "", url, self.label)))
        return hits[:limit]


def register_all() -> None:
    register("contact", ContactProvider())
    register("company", CompanyProvider())
    register("person", PeopleProvider())
    register("team", TeamProvider())
    register("page", PageProvider())
