"""`GET /api/v1/search?q=`: the global search, as the caller may see it.

Parse, call the selector, serialise. The URL of each item is the record's page in the
UI. A query shorter than two characters answers no items (not an error); any text, FTS
operators and quotes included, is searched for literally.
"""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.search import selectors

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    limit: int = Field(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class SearchItem(Schema):
    type: str
    id: int
    title: str
    subtitle: str
    url: str


class SearchOut(Schema):
    items: list[SearchItem]


@router.get("", response=SearchOut, summary="Search records by name, email, phone…")
def search(request: HttpRequest, params: Query[SearchParams]):
    actor = request.membership
    hits = selectors.search(
        workspace=actor.workspace, actor=actor, query=params.q, limit=params.limit
    )
    return {"items": hits}
