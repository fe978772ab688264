"""Background tasks of customers: the duplicates scan of a big workspace."""

from django.tasks import task


@task
def scan_duplicates(workspace_id: int, entity: str) -> int:
    """Group a workspace's contacts or companies by match key; returns the groups found."""
    from rapport.core.models import Workspace
    from rapport.customers.duplicates import duplicates_scan

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    return duplicates_scan(workspace=workspace, entity=entity).groups
