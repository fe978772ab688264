"""Template helpers of task updates: the box's context for the task page, and minutes
written the way people read durations."""

from django import template

from rapport.projects.durations import minutes_text

register = template.Library()


@register.simple_tag(takes_context=True)
def task_updates_prepare(context) -> str:
    """Put the updates box's context into the current (include's) context.

    The task page includes `projects/partials/task_updates.html` with `task`, `request`
    and, when it knows it, `can_edit`; the box needs its page of updates and its form.
    """
    from rapport.projects.views.updates import updates_context

    editable = context.get("can_edit")
    values = updates_context(
        context["request"],
        context["task"],
        editable=editable if isinstance(editable, bool) else None,
    )
    # Set in the innermost layer (the include's own), so nothing leaks to the page and
    # no layer is left pushed.
    for key, value in values.items():
        context[key] = value
    return ""


@register.filter
def minutes_human(value) -> str:
    return minutes_text(value)
