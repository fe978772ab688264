"""The demo workspace `make run` loads once: people, teams and settings to click through."""

from django.db import transaction

from rapport.core import services
from rapport.core.models import Membership, User, Workspace

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.rapport.test"
DEMO_PASSWORD = "orange-bicycle-42"

PEOPLE = [
    ("ada@demo.rapport.test", "Ada Kowalska", "admin", ["Sales", "Support"]),
    ("bram@demo.rapport.test", "Bram de Vries", "member", ["Sales"]),
    ("chloe@demo.rapport.test", "Chloé Martin", "member", ["Support"]),
    ("dan@demo.rapport.test", "Dan Okafor", "member", ["Delivery"]),
]


def load_demo(*, force: bool = False) -> str:
    """Create the demo workspace unless it exists; returns a line saying how to log in."""
    login = f"Log in at /login/ as {DEMO_EMAIL} with the password {DEMO_PASSWORD}"
    if Workspace.objects.filter(slug=DEMO_SLUG).exists() and not force:
        return f"The demo workspace is already loaded. {login}"
    with transaction.atomic():
        owner = User.objects.filter(email=DEMO_EMAIL).first() or services.user_create(
            email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Olivia Owner"
        )
        workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
        if workspace is None:
            workspace = services.workspace_create(name="Northwind Demo", owner=owner)
            workspace.slug = DEMO_SLUG
            workspace.save(update_fields=["slug"])
        actor = Membership.objects.select_related("user", "workspace").get(
            workspace=workspace, user=owner
        )
        for email, name, role, teams in PEOPLE:
            user = User.objects.filter(email=email).first() or services.user_create(
                email=email, password=DEMO_PASSWORD, name=name
            )
            if not Membership.objects.filter(workspace=workspace, user=user).exists():
                services.member_add(
                    workspace=workspace, actor=actor, user=user, role=role, team_names=teams
                )
        from rapport.customers.demo import load_customers

        load_customers(actor=actor)
        from rapport.projects.demo import load_projects

        load_projects(actor=actor)
    return f"Loaded the demo workspace. {login}"
