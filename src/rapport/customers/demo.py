"""Customer records for the demo workspace: companies, people, notes and a custom field."""

from rapport.core.models import Category, Membership, Team
from rapport.customers import services
from rapport.customers.models import Company

COMPANIES = [
    ("Hoekstra Bouw", "hoekstra-bouw.nl", "Utrecht", "Netherlands", "client"),
    ("Wisła Logistics", "wisla-logistics.pl", "Kraków", "Poland", "prospect"),
    ("Brightwater Studio", "brightwater.example", "Bristol", "United Kingdom", "client"),
    ("Kestrel Analytics", "kestrel.example", "Dublin", "Ireland", "lead"),
    ("Maison Lumière", "maison-lumiere.example", "Lyon", "France", "prospect"),
]

PEOPLE = [
    ("Femke", "Hoekstra", "femke@hoekstra-bouw.nl", "Director", 0, "client"),
    ("Joris", "Bakker", "joris@hoekstra-bouw.nl", "Site manager", 0, "client"),
    ("Marta", "Nowak", "marta.nowak@wisla-logistics.pl", "Head of operations", 1, "prospect"),
    ("Piotr", "Zieliński", "piotr@wisla-logistics.pl", "Purchasing", 1, "lead"),
    ("Grace", "Okoye", "grace@brightwater.example", "Creative lead", 2, "client"),
    ("Liam", "Byrne", "liam@kestrel.example", "CTO", 3, "lead"),
    ("Camille", "Durand", "camille@maison-lumiere.example", "Founder", 4, "prospect"),
    ("Noah", "Visser", "noah.visser@example.com", "", None, "lead"),
]


def load_customers(*, actor: Membership) -> None:
    workspace = actor.workspace
    if Company.objects.filter(workspace=workspace).exists():
        return
    labels = list(Category.objects.filter(workspace=workspace, kind="labels").order_by("position"))
    sources = list(
        Category.objects.filter(workspace=workspace, kind="sources").order_by("position")
    )
    types = list(
        Category.objects.filter(workspace=workspace, kind="company-types").order_by("position")
    )
    teams = list(Team.objects.filter(workspace=workspace).order_by("name"))
    companies = [
        services.company_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": name,
                "website": domain,
                "city": city,
                "country": country,
                "role": role,
                "type_id": types[0].pk if types else None,
                "label_ids": [labels[i % len(labels)].pk] if labels else [],
            },
        )
        for i, (name, domain, city, country, role) in enumerate(COMPANIES)
    ]
    for i, (first, last, email, title, company, role) in enumerate(PEOPLE):
        data = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "job_title": title,
            "role": role,
            "company_id": companies[company].pk if company is not None else None,
            "source_id": sources[i % len(sources)].pk if sources else None,
            "label_ids": [labels[i % len(labels)].pk] if labels and i % 2 == 0 else [],
        }
        if i == len(PEOPLE) - 1:
            data["owner_id"] = None  # one for the unclaimed queue
        elif teams and i % 3 == 0:
            data.update(visibility="teams", team_ids=[teams[i % len(teams)].pk])
        contact = services.contact_create(workspace=workspace, actor=actor, data=data)
        if i < 3:
            services.note_create(
                workspace=workspace,
                actor=actor,
                data={
                    "contact_id": contact.pk,
                    "body": f"Intro call with {first}: keen on a pilot.",
                },
            )
