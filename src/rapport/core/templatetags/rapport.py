import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@register.simple_tag
def swatch(color: str, size: int = 14):
    """A colour square as SVG: presentation attributes pass a strict CSP, style="" does not."""
    color = color if HEX.match(color or "") else "#64748b"
    return format_html(
        '<svg class="swatch" width="{0}" height="{0}" viewBox="0 0 14 14" aria-hidden="true">'
        '<rect width="14" height="14" rx="4" fill="{1}"/></svg>',
        size,
        color,
    )


@register.filter
def initials(user) -> str:
    name = (getattr(user, "name", "") or getattr(user, "email", "") or "?").strip()
    parts = [p for p in re.split(r"[\s@._-]+", name) if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.simple_tag(takes_context=True)
def current(context, *names):
    """aria-current="page" when the current URL name is one of `names`."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match and match.url_name in names:
        return mark_safe('aria-current="page"')
    return ""


# Simple 24px line icons (drawn for Rapport), keyed by name.
ICONS = {
    "home": "M3 11l9-7 9 7M5 10v10h5v-6h4v6h5V10",
    "projects": "M3 7h18v13H3zM8 7V4h8v3",
    "tickets": "M4 6h16v4a2 2 0 000 4v4H4v-4a2 2 0 000-4z",
    "cases": "M5 3h10l4 4v14H5zM14 3v5h5M8 13h8M8 17h6",
    "sales": "M4 19V9M10 19V5M16 19v-7M22 19H2",
    "orders": "M6 2l-2 5v13h16V7l-2-5zM4 7h16M9 11a3 3 0 006 0",
    "portal": "M12 3l8 4v6c0 4-3.5 7-8 8-4.5-1-8-4-8-8V7z",
    "events": "M4 6h16v14H4zM4 10h16M9 3v5M15 3v5",
    "vacancies": "M4 8h16v12H4zM9 8V5h6v3M4 13h16",
    "lists": "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
    "settings": (
        "M12 15a3 3 0 100-6 3 3 0 000 6zM19 12l2-1-1-3-2 .5-1.5-1.5.5-2-3-1-1 2h-2l-1-2-3 1"
        " .5 2L6 7.5 4 7 3 10l2 1v2l-2 1 1 3 2-.5 1.5 1.5-.5 2 3 1 1-2h2l1 2 3-1-.5-2 1.5-1.5"
        " 2 .5 1-3-2-1z"
    ),
    "search": "M11 18a7 7 0 100-14 7 7 0 000 14zM21 21l-5-5",
    "chevron": "M6 9l6 6 6-6",
    "up": "M12 19V5M5 12l7-7 7 7",
    "down": "M12 5v14M19 12l-7 7-7-7",
    "trash": "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
    "lock": "M6 11h12v10H6zM8 11V7a4 4 0 018 0v4",
    "users": (
        "M9 11a4 4 0 100-8 4 4 0 000 8zM2 21v-1a6 6 0 0112 0v1M16 3.5a4 4 0 010 7.5"
        "M22 21v-1a6 6 0 00-4-5.6"
    ),
    "key": "M15 7a4 4 0 11-3.9 5H3v3h3v3h3v-3h2.1A4 4 0 0115 7z",
    "activity": "M3 12h4l3-8 4 16 3-8h4",
    "plus": "M12 5v14M5 12h14",
}


@register.simple_tag
def icon(name: str, label: str = ""):
    path = ICONS.get(name, ICONS["lists"])
    if label:
        return format_html(
            '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
            'stroke-linecap="round" stroke-linejoin="round" role="img" aria-label="{}">'
            '<path d="{}"/></svg>',
            label,
            path,
        )
    return format_html(
        '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="{}"/></svg>',
        path,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
