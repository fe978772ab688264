"""`{% export_url entity fmt filters %}`: the API export of a list page, with its filters."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()

PLURAL = {"contact": "contacts", "company": "companies"}


@register.simple_tag
def export_url(entity: str, fmt: str, filters: dict) -> str:
    """The list's filters and sort only: the export has its own columns, and paging or
    the saved view's id mean nothing to it."""
    path = reverse(f"api:{PLURAL[entity]}_export_{fmt}")
    query = urlencode(sorted((filters or {}).items()), doseq=True)
    return f"{path}?{query}" if query else path
