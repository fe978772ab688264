"""Builders for customer records, through the services as the product does."""

from rapport.core import services as core_services
from rapport.core.models import Membership, Team
from rapport.customers import services


def make_team(workspace, name: str, *members: Membership) -> Team:
    owner = workspace.owner_membership
    team = core_services.team_create(workspace=workspace, actor=owner, name=name)
    for m in members:
        core_services.team_member_add(
            workspace=workspace, actor=owner, team_id=team.pk, user_id=m.user_id
        )
    return team


def make_contact(actor: Membership, **data):
    data.setdefault("first_name", "Ada")
    data.setdefault("last_name", "Lovelace")
    return services.contact_create(workspace=actor.workspace, actor=actor, data=data)


def make_company(actor: Membership, **data):
    data.setdefault("name", "Analytical Engines")
    return services.company_create(workspace=actor.workspace, actor=actor, data=data)
