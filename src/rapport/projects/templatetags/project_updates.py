"""Template helpers of task updates: the box's context for the task page, and minutes
written the way people read durations."""

from django import template
from django.utils.translation import gettext as _

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
    """90 -> "1 h 30 min"; 45 -> "45 min"; 0 or empty -> "0 min"."""
    try:
        minutes = int(value or 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": rest}
    if not rest:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
