"""One filter language for list views, the API, saved views, user lists and exports.

A filter is the query-string dict, e.g. {"role": "client", "label": "12",
"custom.industry": "retail", "sort": "-created_at"}. `parse_filters` validates it once
(an unknown name or a bad value is an `Invalid` naming the parameter) and returns a
`ParsedFilter` that applies itself to a visibility-scoped queryset.
"""

from rapport.filters.language import (
    ENTITIES,
    PAGING_PARAMS,
    ParsedFilter,
    parse_filters,
    sort_options,
)

__all__ = ["ENTITIES", "PAGING_PARAMS", "ParsedFilter", "parse_filters", "sort_options"]
