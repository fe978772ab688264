"""Template helpers of phases and tasks: the phases section's context on the project
page, and durations as people read them."""

from django import template

from rapport.projects.durations import minutes_text

register = template.Library()


@register.simple_tag(takes_context=True)
def phases_prepare(context) -> str:
    """Put the phases section's data into the current (include's) context.

    The project page includes `projects/partials/phases_section.html` with `project`,
    `can_edit` and `request`; the section loads its phases, tasks and choices here, in a
    fixed number of queries.
    """
    from rapport.projects.views.tasks import phases_context

    editable = context.get("can_edit")
    values = phases_context(
        context["request"],
        context["project"],
        can_edit=editable if isinstance(editable, bool) else None,
    )
    for key, value in values.items():
        context[key] = value
    return ""


@register.filter
def task_minutes(value) -> str:
    return minutes_text(value)


@register.filter
def is_overdue(task, today) -> bool:
    """Due before today and not done."""
    return bool(task.due_date and today and task.due_date < today and task.status != "done")
