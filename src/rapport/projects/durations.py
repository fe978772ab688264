"""Minutes spent as people read them, the same on every projects page."""

from django.utils.translation import gettext as _


def minutes_text(value) -> str:
    """90 -> "1 h 30 min"; 120 -> "2 h"; 45 -> "45 min"; empty -> "0 min"."""
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
