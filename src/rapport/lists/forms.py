"""The list form: name and description typed, the filter carried from the filter bar."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from rapport.core.errors import Invalid
from rapport.customers.forms_lists import query_params
from rapport.filters import PAGING_PARAMS

# Parameters of the builder page itself, never part of a list's filter.
BUILDER_PARAMS = frozenset({"list", "applied", "name", "description", "query", "include_inactive"})
MAX_QUERY = 4000


def filter_from_query(query: QueryDict) -> dict[str, str]:
    """The filter language's dict from a query string (the filter bar's fields).

    The bar's status select has no "both" choice apart from its blank, which for a list
    means "active only"; the builder's "Include inactive contacts" box says "both".
    """
    params = query_params(query)
    filters = {k: v for k, v in params.items() if k not in PAGING_PARAMS | BUILDER_PARAMS}
    if params.get("include_inactive") == "1" and "is_active" not in filters:
        filters["is_active"] = "any"
    return filters


class UserListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the list is for, e.g. the campaign it feeds."),
    )
    # The applied filters as a query string, so what was previewed is what is saved.
    query = forms.CharField(required=False, max_length=MAX_QUERY, widget=forms.HiddenInput)

    def data_for_service(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "filter": filter_from_query(QueryDict(self.cleaned_data["query"])),
        }

    def take(self, exc: Invalid) -> list[dict]:
        """Put the service's field errors on the form; return the filter's errors."""
        filter_errors = []
        for error in exc.errors or [{"field": None, "message": exc.message}]:
            name = error.get("field") or ""
            if name in ("name", "description"):
                self.add_error(name, error["message"])
            elif name.startswith("filter"):
                filter_errors.append(error)
            else:
                self.add_error(None, error["message"])
        return filter_errors
