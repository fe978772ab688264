"""The search page and the suggestions under the top bar's search box (htmx)."""

from django.shortcuts import render

from rapport.core.access import workspace_view
from rapport.search import selectors

PAGE_LIMIT = selectors.MAX_LIMIT
SUGGEST_LIMIT = 8


@workspace_view()
def search_page(request):
    query = (request.GET.get("q") or "")[: selectors.MAX_CHARS].strip()
    hits = selectors.search(
        workspace=request.workspace, actor=request.membership, query=query, limit=PAGE_LIMIT
    )
    context = {
        "query": query,
        "hits": hits,
        "searchable": selectors.parse_query(query) is not None,
        "more": len(hits) >= PAGE_LIMIT,
    }
    return render(request, "search/page.html", context)


@workspace_view()
def search_suggest(request):
    query = (request.GET.get("q") or "")[: selectors.MAX_CHARS].strip()
    hits = selectors.search(
        workspace=request.workspace, actor=request.membership, query=query, limit=SUGGEST_LIMIT
    )
    context = {"query": query, "hits": hits, "searchable": selectors.parse_query(query) is not None}
    return render(request, "search/partials/suggestions.html", context)
