"""Projects for the demo workspace: a few customer projects with phases and tasks."""

import datetime as dt

from django.utils import timezone

from rapport.core.models import Category, Membership
from rapport.customers.models import Company, Contact
from rapport.projects.models import (
    Phase,
    Project,
    Task,
    TaskAssignee,
    TaskStatus,
    TaskUpdate,
)
from rapport.projects.services.projects import create_project
from rapport.projects.services.tasks import create_common_task

# (name, company, status, track time, member emails, description, phases)
# A phase is (name, [(title, status, priority, days until due, assignee email)]).
PROJECTS = [
    (
        "Site office fit-out",
        "Hoekstra Bouw",
        "active",
        True,
        ["dan@demo.rapport.test", "ada@demo.rapport.test"],
        "Fit out the temporary site office in Utrecht: network, meeting room, signage.",
        [
            (
                "Survey",
                [
                    ("Measure the rooms", "done", "normal", -20, "dan@demo.rapport.test"),
                    (
                        "Agree the floor plan with Femke",
                        "done",
                        "high",
                        -12,
                        "ada@demo.rapport.test",
                    ),
                ],
            ),
            (
                "Installation",
                [
                    ("Order network cabinets", "in_progress", "high", 3, "dan@demo.rapport.test"),
                    ("Book the electricians", "todo", "normal", 7, "owner@demo.rapport.test"),
                    ("Signage proofs", "todo", "low", 14, "ada@demo.rapport.test"),
                ],
            ),
            # The demo's owner has work of their own, so My tasks is not empty on day one.
            (
                "Handover",
                [("Walk-through with Joris", "todo", "normal", 28, "owner@demo.rapport.test")],
            ),
        ],
    ),
    (
        "Warehouse dashboard pilot",
        "Wisła Logistics",
        "on_hold",
        False,
        ["bram@demo.rapport.test"],
        "A four-week pilot of live stock dashboards for the Kraków warehouse.",
        [
            (
                "Discovery",
                [
                    ("Interview the shift leads", "done", "normal", -5, "bram@demo.rapport.test"),
                    ("List the data sources", "in_progress", "normal", 2, "bram@demo.rapport.test"),
                ],
            ),
        ],
    ),
    (
        "Brand refresh",
        "Brightwater Studio",
        "done",
        True,
        ["chloe@demo.rapport.test"],
        "New logo, colours and templates, delivered in March.",
        [
            (
                "Delivery",
                [
                    ("Final artwork", "done", "high", -40, "chloe@demo.rapport.test"),
                    ("Template pack", "done", "normal", -35, "chloe@demo.rapport.test"),
                ],
            ),
        ],
    ),
]

# The library's templates: (title, description, category position, estimate in minutes).
COMMON_TASKS = [
    ("Kick-off meeting", "Agree scope, dates and who does what.", 2, 60),
    ("Send the invoice", "Invoice the finished phase; attach the time report.", 4, 15),
    ("Retrospective", "What went well, what to change next time.", 2, 45),
]


def load_projects(*, actor: Membership) -> None:
    """Create the demo projects once (nothing happens when the workspace has some)."""
    workspace = actor.workspace
    if Project.objects.filter(workspace=workspace).exists():
        return
    users = {
        m.user.email: m.user_id
        for m in Membership.objects.filter(workspace=workspace).select_related("user")
    }
    categories = list(
        Category.objects.filter(workspace=workspace, kind="task-categories").order_by("position")
    )
    today = timezone.localdate()
    for name, company_name, status, track, emails, description, phases in PROJECTS:
        company = Company.objects.filter(workspace=workspace, name=company_name).first()
        contacts = (
            list(
                Contact.objects.filter(workspace=workspace, company=company).values_list(
                    "pk", flat=True
                )
            )
            if company
            else []
        )
        project = create_project(
            workspace=workspace,
            actor=actor,
            data={
                "name": name,
                "description": description,
                "status": status,
                "company_id": company.pk if company else None,
                "member_ids": [users[e] for e in emails if e in users],
                "contact_ids": contacts,
                "company_ids": [company.pk] if company else [],
                "track_time": track,
                "emails_from": "projects@demo.rapport.test",
            },
        )
        total = 0
        for p, (phase_name, tasks) in enumerate(phases):
            phase = Phase.objects.create(
                workspace=workspace, project=project, name=phase_name, position=p
            )
            phase_minutes = 0
            for t, (title, task_status, priority, due_in, assignee) in enumerate(tasks):
                minutes = 90 * (t + 1) if track and task_status != TaskStatus.TODO else 0
                task = Task.objects.create(
                    workspace=workspace,
                    project=project,
                    phase=phase,
                    title=title,
                    status=task_status,
                    priority=priority,
                    category=categories[(p + t) % len(categories)] if categories else None,
                    due_date=today + dt.timedelta(days=due_in),
                    position=t,
                    minutes_total=minutes,
                    created_by=actor.user,
                )
                if assignee in users:
                    TaskAssignee.objects.create(
                        workspace=workspace, task=task, user_id=users[assignee]
                    )
                if minutes:
                    # The minutes come from an update, as they do in the product.
                    TaskUpdate.objects.create(
                        workspace=workspace,
                        task=task,
                        author_id=users.get(assignee, actor.user_id),
                        body="Done for today; notes are in the shared folder."
                        if task_status == TaskStatus.DONE
                        else "Started on this; more tomorrow.",
                        minutes=minutes,
                    )
                phase_minutes += minutes
            if phase_minutes:
                Phase.objects.filter(pk=phase.pk).update(minutes_total=phase_minutes)
            total += phase_minutes
        if total:
            Project.objects.filter(pk=project.pk).update(minutes_total=total)
    for title, description, position, estimate in COMMON_TASKS:
        category = categories[position] if position < len(categories) else None
        create_common_task(
            workspace=workspace,
            actor=actor,
            data={
                "title": title,
                "description": description,
                "category_id": category.pk if category else None,
                "estimate_minutes": estimate,
            },
        )
