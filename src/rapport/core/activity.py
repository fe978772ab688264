"""The one way services record what happened (timeline and audit)."""

from typing import Any

from django.db import models

from rapport.core.models import Activity, Membership, Workspace


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool, dict)):
        return value
    return str(value)


def record_activity(
    *,
    workspace: Workspace,
    actor: Membership | None,
    verb: str,
    target: models.Model | None = None,
    target_type: str | None = None,
    summary: str = "",
    changes: dict[str, list] | None = None,
) -> Activity:
    """Write one activity row inside the caller's transaction.

    With impersonation the real person is the actor and the member being acted as
    is `acting_as`, so the log reads "X acting as Y".
    """
    actor_user = acting_as = None
    if actor is not None:
        if actor.acting_by is not None:
            actor_user, acting_as = actor.acting_by, actor.user
        else:
            actor_user = actor.user
    return Activity.objects.create(
        workspace=workspace,
        actor=actor_user,
        acting_as=acting_as,
        verb=verb,
        target_type=target_type or (target._meta.model_name if target is not None else ""),
        target_id=target.pk if target is not None else None,
        summary=summary[:300],
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
    )


def diff(instance: models.Model, values: dict[str, Any]) -> dict[str, list]:
    """Field -> [old, new] for every value that differs from the instance's."""
    return {
        field: [getattr(instance, field), new]
        for field, new in values.items()
        if getattr(instance, field) != new
    }
