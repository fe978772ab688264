"""Who may see and change a project: the rule every projects service and view shares.

Projects are visible to every staff member of the workspace (PRODUCT §4: the team sees
the work done for customers). Changing a project, its phases, tasks and updates needs
membership of that project, or the admin role. The module switched off makes every
project path a 404, in the UI and the API alike.
"""

from django.utils.translation import gettext as _

from rapport.core.errors import Forbidden, NotFound
from rapport.core.models import Membership
from rapport.projects.models import Project, ProjectMember

MODULE = "projects"


def require_module(actor: Membership) -> None:
    if not actor.workspace.module_enabled(MODULE):
        raise NotFound(_("The projects module is switched off."))


def is_project_member(actor: Membership, project: Project) -> bool:
    return ProjectMember.objects.filter(
        workspace_id=actor.workspace_id, project_id=project.pk, user_id=actor.user_id
    ).exists()


def can_edit(actor: Membership, project: Project) -> bool:
    return actor.is_admin or is_project_member(actor, project)


def require_editor(actor: Membership, project: Project) -> None:
    """Refuse a change by someone who is neither a member of the project nor an admin."""
    if not can_edit(actor, project):
        raise Forbidden(
            _("Only the project's members and admins can change this project."),
            code="not_project_member",
        )
