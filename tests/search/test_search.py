"""The global search: accents, prefixes, emails, phones, typos, relevance, visibility, and
an index that follows every write of the customers services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers import services
from rapport.search.selectors import TIERS, search
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db


RECORDS = ("contact", "company")


def records(actor, query, **kwargs):
    """The hits on contacts and companies (pages, people and teams left aside)."""
    found = search(workspace=actor.workspace, actor=actor, query=query, **kwargs)
    return [h for h in found if h.type in RECORDS]


def titles(actor, query, **kwargs) -> list[str]:
    return [h.title for h in records(actor, query, **kwargs)]


def hits(actor, query) -> list[tuple[str, int]]:
    return [(h.type, h.id) for h in records(actor, query)]


class TestAccentsAndPrefixes:
    def test_lodz_finds_the_company_and_the_contact_spelled_with_accents(self, owner):
        company = make_company(owner, name="Łódź Textiles")
        contact = make_contact(owner, first_name="Paweł", last_name="Łódzki")
        make_contact(owner, first_name="Lorenzo", last_name="Dziubek")
        assert set(hits(owner, "lodz")) == {("company", company.pk), ("contact", contact.pk)}
        assert set(hits(owner, "ŁÓDŹ")) == {("company", company.pk), ("contact", contact.pk)}

    def test_a_prefix_finds_the_name_being_typed(self, owner):
        make_contact(owner, first_name="Ada", last_name="Lovelace")
        for typed in ("lo", "lov", "Lovel", "ada lov", "lov ada"):
            assert titles(owner, typed) == ["Ada Lovelace"], typed

    def test_the_middle_of_a_word_is_found_when_no_word_starts_so(self, owner):
        make_contact(owner, first_name="Grace", last_name="Hopper")
        assert titles(owner, "opp") == ["Grace Hopper"]
        make_contact(owner, first_name="Oppenheimer", last_name="")
        assert titles(owner, "opp") == ["Oppenheimer"]

    def test_a_company_is_found_by_domain_website_and_city(self, owner):
        make_company(owner, name="Acme", domain="acme-widgets.pl", city="Kraków")
        make_company(owner, name="Initech", website="https://www.initech.example/about")
        assert titles(owner, "acme-wid") == ["Acme"]
        assert titles(owner, "widgets") == ["Acme"]
        assert titles(owner, "krakow") == ["Acme"]
        assert titles(owner, "initech.example") == ["Initech"]


class TestEmailsAndPhones:
    def test_emails_are_found_whole_and_by_their_parts(self, owner):
        make_contact(
            owner,
            first_name="Ada",
            last_name="Lovelace",
            email="countess@analytical.example",
            other_emails=["ada@engines.example"],
        )
        for typed in ("countess@analytical.example", "countess@", "analytical", "ada@eng"):
            assert titles(owner, typed) == ["Ada Lovelace"], typed

    @pytest.mark.parametrize(
        "typed",
        [
            "601234567",
            "601 234 567",
            "+48601234567",
            "+48 601 234 567",
            "0048 601-234-567",
            "234 567",
            "0221 98765",
        ],
    )
    def test_phones_are_found_by_their_digits_however_they_are_typed(self, owner, typed):
        make_contact(
            owner,
            first_name="Paweł",
            last_name="",
            phone="+48 601 234 567",
            other_phones=["0221 987 654"],
        )
        make_contact(owner, first_name="Someone", last_name="", phone="+48 22 111 22 33")
        assert titles(owner, typed) == ["Paweł"]


class TestTypos:
    def test_one_typo_still_finds_the_name(self, owner):
        make_contact(owner, first_name="Ada", last_name="Lovelace")
        make_contact(owner, first_name="Marek", last_name="Kowalski")
        assert titles(owner, "lovelase") == ["Ada Lovelace"]
        assert titles(owner, "kowalsky") == ["Marek Kowalski"]
        assert titles(owner, "ada lovlace") == ["Ada Lovelace"]  # a letter left out
        assert titles(owner, "lovellace") == ["Ada Lovelace"]  # one too many

    def test_typos_are_offered_only_when_nothing_matches_as_typed(self, owner):
        make_contact(owner, first_name="Jan", last_name="Kowalsky")  # one typo away
        assert titles(owner, "kowalski") == ["Jan Kowalsky"]
        make_contact(owner, first_name="Jan", last_name="Kowalskiego")  # starts the same
        make_contact(owner, first_name="Jan", last_name="Kowalski")
        assert titles(owner, "kowalski") == ["Jan Kowalski", "Jan Kowalskiego"]

    def test_whole_words_come_first_then_name_starts_then_other_fields(self, owner):
        make_contact(owner, first_name="Zed", last_name="", email="jan@mail.example")
        make_contact(owner, first_name="Janine", last_name="Doe")
        make_contact(owner, first_name="Jan", last_name="Doe")
        make_company(owner, name="Majan")  # inside a word: only when nothing starts so
        assert titles(owner, "jan") == ["Jan Doe", "Janine Doe", "Zed"]

    def test_nothing_that_does_not_match_is_offered(self, owner):
        make_contact(owner, first_name="Ada", last_name="Lovelace")
        assert titles(owner, "zzyzx") == []
        assert titles(owner, "lovelace babbage") == []


class TestVisibility:
    def test_a_member_never_finds_another_members_private_contact(self, owner, member):
        other = make_member(owner.workspace, "other@acme.test")
        make_contact(other, first_name="Secret", last_name="Lovelace")
        make_contact(member, first_name="Mine", last_name="Lovelace")
        assert titles(member, "lovelace") == ["Mine Lovelace"]
        assert titles(member, "secret") == []
        assert titles(member, "secrte") == []  # not through the typo tier either
        assert sorted(titles(owner, "lovelace")) == ["Mine Lovelace", "Secret Lovelace"]

    def test_sharing_with_the_members_team_shows_it_at_once(self, workspace, owner, member):
        other = make_member(workspace, "other@acme.test")
        contact = make_contact(other, first_name="Shared", last_name="Later")
        team = make_team(workspace, "Sales", member)
        assert titles(member, "shared") == []
        services.contact_update(
            workspace=owner.workspace,
            actor=other,
            contact_id=contact.pk,
            data={"visibility": "teams", "team_ids": [team.pk]},
        )
        assert titles(member, "shared") == ["Shared Later"]

    def test_joining_a_team_shows_what_it_shares_and_leaving_hides_it(
        self, workspace, owner, member
    ):
        from rapport.core import services as core_services

        other = make_member(workspace, "other@acme.test")
        team = make_team(workspace, "Sales", other)
        make_contact(
            other, first_name="Team", last_name="Thing", visibility="teams", team_ids=[team.pk]
        )
        assert titles(member, "thing") == []
        core_services.team_member_add(
            workspace=workspace, actor=owner, team_id=team.pk, user_id=member.user_id
        )
        assert titles(member, "thing") == ["Team Thing"]
        core_services.team_member_remove(
            workspace=workspace, actor=owner, team_id=team.pk, user_id=member.user_id
        )
        assert titles(member, "thing") == []

    def test_unclaimed_contacts_and_companies_are_found_by_every_member(self, owner, member):
        make_contact(owner, first_name="Nobody", last_name="Yet", owner_id=None)
        make_company(owner, name="Nobody Industries")
        assert sorted(titles(member, "nobody")) == ["Nobody Industries", "Nobody Yet"]

    def test_a_claimed_contact_leaves_other_members_results(self, owner, member):
        other = make_member(owner.workspace, "other@acme.test")
        contact = make_contact(owner, first_name="Queue", last_name="Person", owner_id=None)
        services.contact_claim(workspace=owner.workspace, actor=other, contact_id=contact.pk)
        assert titles(member, "queue") == []
        assert titles(other, "queue") == ["Queue Person"]

    def test_a_member_who_sees_few_contacts_still_gets_all_of_them(self, owner, member):
        # The visible ones are the oldest, behind many invisible newer matches: the query
        # must walk past those in SQL, not take the first N and filter them out.
        for i in range(3):
            make_contact(member, first_name="Rare", last_name=f"Mine{i}")
        other = make_member(owner.workspace, "other@acme.test")
        for i in range(60):
            make_contact(other, first_name="Rare", last_name=f"Theirs{i}")
        assert sorted(titles(member, "rare", limit=5)) == ["Rare Mine0", "Rare Mine1", "Rare Mine2"]

    def test_another_workspace_is_never_searched(self, owner, outsider):
        make_contact(owner, first_name="Ada", last_name="Lovelace")
        make_company(owner, name="Lovelace Labs")
        assert titles(outsider, "lovelace") == []


class TestIndexFollowsWrites:
    def test_an_edited_name_is_found_by_the_new_name_not_the_old(self, owner):
        contact = make_contact(owner, first_name="Ada", last_name="Byron")
        services.contact_update(
            workspace=owner.workspace,
            actor=owner,
            contact_id=contact.pk,
            data={"last_name": "Lovelace", "email": "ada@lovelace.example"},
        )
        assert titles(owner, "byron") == []
        assert titles(owner, "lovelace") == ["Ada Lovelace"]
        assert [h.subtitle for h in records(owner, "ada")] == ["ada@lovelace.example"]

    def test_a_deleted_contact_disappears(self, owner):
        contact = make_contact(owner, first_name="Gone", last_name="Soon")
        services.contact_delete(workspace=owner.workspace, actor=owner, contact_id=contact.pk)
        assert titles(owner, "gone") == []

    def test_bulk_deleted_contacts_and_companies_disappear(self, owner):
        a = make_contact(owner, first_name="Bulk", last_name="One")
        b = make_contact(owner, first_name="Bulk", last_name="Two")
        c = make_company(owner, name="Bulk Company")
        services.contact_bulk(
            workspace=owner.workspace, actor=owner, ids=[a.pk, b.pk], action="delete"
        )
        services.company_bulk(workspace=owner.workspace, actor=owner, ids=[c.pk], action="delete")
        assert titles(owner, "bulk") == []

    def test_a_company_edit_and_delete_follow(self, owner):
        company = make_company(owner, name="Old Name")
        services.company_update(
            workspace=owner.workspace, actor=owner, company_id=company.pk, data={"name": "New Co"}
        )
        assert titles(owner, "old") == []
        assert titles(owner, "new co") == ["New Co"]
        make_contact(owner, first_name="Staff", last_name="Member", company_id=company.pk)
        services.company_delete(
            workspace=owner.workspace, actor=owner, company_id=company.pk, on_contacts="delete"
        )
        assert titles(owner, "new co") == []
        assert titles(owner, "staff") == []

    def test_a_failed_write_leaves_the_index_as_it_was(self, owner):
        from rapport.core.errors import Invalid

        contact = make_contact(owner, first_name="Stays", last_name="Same")
        with pytest.raises(Invalid):
            services.contact_update(
                workspace=owner.workspace,
                actor=owner,
                contact_id=contact.pk,
                data={"first_name": "Changed", "email": "not an email"},
            )
        assert titles(owner, "stays") == ["Stays Same"]
        assert titles(owner, "changed") == []


class TestLimitsAndQueries:
    def test_results_stop_at_the_limit(self, owner):
        for i in range(8):
            make_contact(owner, first_name="Many", last_name=f"Person{i}")
        assert len(titles(owner, "many", limit=5)) == 5
        assert len(titles(owner, "many")) == 8

    @pytest.mark.parametrize("role", ["owner", "member"])
    def test_a_search_costs_the_same_queries_with_more_matches(self, role, owner, member):
        actor = {"owner": owner, "member": member}[role]

        def count(query: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                search(workspace=actor.workspace, actor=actor, query=query)
            return len(ctx.captured_queries)

        make_contact(member, first_name="Few", last_name="Lovelace")
        few = count("lovelace")
        for i in range(30):
            make_contact(member, first_name=f"Ada{i}", last_name="Lovelace")
            make_contact(owner, first_name=f"Other{i}", last_name="Lovelace")
        assert count("lovelace") <= few
        # One query per tier of relevance, and one per live provider (people and teams,
        # for admins), however many rows match.
        assert count("nothing-like-it") <= len(TIERS) + (2 if actor.is_admin else 0)
