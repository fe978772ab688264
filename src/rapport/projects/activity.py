"""One way projects record what happened: on the project's timeline and its company's.

Every projects service calls `record` inside its transaction. The row for the project
carries the change; the company (the customer the project is for) gets a row with the
same summary, so its timeline shows the work done for it.
"""

from rapport.core.activity import record_activity
from rapport.core.models import Membership
from rapport.projects.models import Project


def record(
    *,
    actor: Membership,
    project: Project,
    verb: str,
    summary: str,
    changes: dict[str, list] | None = None,
) -> None:
    record_activity(
        workspace=actor.workspace,
        actor=actor,
        verb=verb,
        target=project,
        target_type="project",
        summary=summary,
        changes=changes,
    )
    if project.company_id:
        record_activity(
            workspace=actor.workspace,
            actor=actor,
            verb=verb,
            target=project.company,
            target_type="company",
            summary=f"{project.name}: {summary}",
        )
