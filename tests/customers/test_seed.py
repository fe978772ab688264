"""`rapport seed-bench`: many contacts in one workspace, in realistic proportions."""

import datetime as dt

import pytest

from rapport.cli import main
from rapport.core.models import Activity, Membership, Team, TeamMember, Workspace
from rapport.customers.models import Company, Contact, ContactLabel, ContactTeam
from rapport.customers.seed import seed_bench
from rapport.customfields.models import CustomField
from rapport.customfields.validation import validate_custom

pytestmark = pytest.mark.django_db

N = 300


@pytest.fixture
def seeded():
    # A small batch, so several batches (and transactions) run.
    return seed_bench(contacts=N, workspace_slug="bench-test", seed=7, batch_size=70)


def _share(count: int) -> float:
    return count / N


def test_it_creates_the_workspace_with_an_owner_who_can_log_in(seeded):
    ws = seeded.workspace
    assert ws.slug == "bench-test"
    owner = Membership.objects.get(workspace=ws, role="owner").user
    assert owner.check_password("bench-password-1") is True
    assert owner.email in seeded.login


def test_it_creates_n_contacts_and_a_twentieth_as_many_companies(seeded):
    assert Contact.objects.filter(workspace=seeded.workspace).count() == N
    assert Company.objects.filter(workspace=seeded.workspace).count() == N // 20
    assert seeded.contacts == N


def test_every_row_belongs_to_the_one_workspace(seeded):
    ws = seeded.workspace
    assert Workspace.objects.count() == 1
    assert not Contact.objects.exclude(workspace=ws).exists()
    assert not ContactTeam.objects.exclude(workspace=ws).exists()
    assert not ContactLabel.objects.exclude(workspace=ws).exists()
    assert not ContactTeam.objects.exclude(team__workspace=ws).exists()
    assert not ContactLabel.objects.exclude(category__workspace=ws).exists()
    assert not Contact.objects.exclude(company=None).exclude(company__workspace=ws).exists()


def test_it_seats_about_twenty_people_in_eight_teams(seeded):
    ws = seeded.workspace
    assert Membership.objects.filter(workspace=ws).count() == 20
    assert Team.objects.filter(workspace=ws).count() == 8
    seated = set(TeamMember.objects.filter(workspace=ws).values_list("user_id", flat=True))
    others = Membership.objects.filter(workspace=ws).exclude(role="owner")
    assert seated == set(others.values_list("user_id", flat=True))


def test_a_third_of_the_contacts_are_shared_with_one_or_two_teams(seeded):
    ws = seeded.workspace
    shared = Contact.objects.filter(workspace=ws, visibility="teams")
    assert 0.2 < _share(shared.count()) < 0.4
    with_shares = Contact.objects.filter(workspace=ws, shares__isnull=False).distinct()
    assert set(shared.values_list("id", flat=True)) == set(with_shares.values_list("id", flat=True))
    per_contact = [len(c.shares.all()) for c in shared.prefetch_related("shares")]
    assert set(per_contact) == {1, 2}


def test_about_two_fifths_of_the_contacts_carry_labels(seeded):
    labelled = ContactLabel.objects.filter(workspace=seeded.workspace)
    assert 0.3 < _share(labelled.values("contact_id").distinct().count()) < 0.5
    assert set(labelled.values_list("category__kind", flat=True)) == {"labels"}


def test_a_few_contacts_are_unclaimed_test_or_inactive(seeded):
    contacts = Contact.objects.filter(workspace=seeded.workspace)
    assert 0.01 < _share(contacts.filter(owner=None).count()) < 0.12
    assert 0 < _share(contacts.filter(is_test=True).count()) < 0.06
    assert 0.01 < _share(contacts.filter(is_active=False).count()) < 0.12


def test_custom_values_fit_the_two_custom_fields(seeded):
    ws = seeded.workspace
    fields = {f.key: f for f in CustomField.objects.filter(workspace=ws, entity="contact")}
    assert (fields["industry"].type, fields["score"].type) == ("dropdown", "number")
    assert fields["industry"].options.count() == 6
    customs = list(Contact.objects.filter(workspace=ws).values_list("custom", flat=True))
    assert 0.65 < _share(sum("industry" in c for c in customs)) < 0.95
    assert 0.45 < _share(sum("score" in c for c in customs)) < 0.75
    for custom in customs:
        assert validate_custom(workspace=ws, entity="contact", values=custom) == custom


def test_history_spreads_over_three_years_and_auto_timestamps_come_back(seeded):
    dates = Contact.objects.filter(workspace=seeded.workspace).values_list("created_at", flat=True)
    assert max(dates) - min(dates) > dt.timedelta(days=2 * 365)
    assert Contact._meta.get_field("created_at").auto_now_add is True
    assert Contact._meta.get_field("updated_at").auto_now is True


def test_it_records_no_activity_per_contact(seeded):
    assert not Activity.objects.filter(target_type="contact").exists()


def test_the_same_seed_gives_the_same_contacts(seeded):
    again = seed_bench(contacts=N, workspace_slug="bench-again", seed=7, batch_size=70)

    def rows(ws):
        return list(
            Contact.objects.filter(workspace=ws)
            .order_by("id")
            .values_list("first_name", "last_name", "email", "role", "is_test", "custom")
        )

    assert rows(again.workspace) == rows(seeded.workspace)


def test_seeding_an_existing_workspace_adds_contacts_but_no_more_people(workspace):
    seed_bench(contacts=40, workspace_slug=workspace.slug)
    result = seed_bench(contacts=40, workspace_slug=workspace.slug, seed=2)
    assert result.login == ""
    assert Contact.objects.filter(workspace=workspace).count() == 80
    assert Membership.objects.filter(workspace=workspace).count() == 20
    assert Team.objects.filter(workspace=workspace).count() == 8


def test_the_cli_seeds_and_prints_the_login_then_the_slug(capsys):
    assert main(["seed-bench", "--contacts", "60", "--workspace", "cli-bench"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Seeded 60 contacts and 3 companies in ")
    assert lines[1].startswith("Log in at /login/ as owner@cli-bench.bench.test")
    assert lines[-1] == "cli-bench"
    assert Contact.objects.filter(workspace__slug="cli-bench").count() == 60


def test_the_cli_without_a_workspace_creates_a_new_one(capsys):
    assert main(["seed-bench", "--contacts", "5"]) == 0
    slug = capsys.readouterr().out.strip().splitlines()[-1]
    assert Contact.objects.filter(workspace__slug=slug).count() == 5


def test_the_cli_refuses_a_negative_count(capsys):
    assert main(["seed-bench", "--contacts", "-1"]) == 2
    assert "0 or more" in capsys.readouterr().err
    assert not Workspace.objects.exists()


def test_the_cli_refuses_a_slug_it_could_not_keep(capsys):
    assert main(["seed-bench", "--contacts", "5", "--workspace", "My Bench"]) == 2
    assert "lowercase" in capsys.readouterr().err
