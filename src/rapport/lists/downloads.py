"""The members CSV, shared by the page and the API so both answer the same file."""

from collections.abc import Sequence

from django.utils.text import slugify

from rapport.core.models import Membership
from rapport.customers.selectors import contact_visible_scan
from rapport.dataio import exporting
from rapport.lists import selectors
from rapport.lists.models import UserList

DEFAULT_COLUMNS = ["email", "first_name", "last_name"]
# The columns offered on the page, in this order (the API takes any export column).
OFFERED_COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "company",
    "job_title",
    "role",
    "source",
    "labels",
    "owner",
    "created_at",
]


def csv_filename(user_list: UserList) -> str:
    return f"{slugify(user_list.name)[:60] or 'list'}-members.csv"


def members_csv(*, actor: Membership, user_list: UserList, keys: Sequence[str] | None):
    """A streamed CSV of the members `actor` may see, in the columns `keys` (None: email,
    first and last name). An unknown column or a filter that cannot run is `Invalid`,
    raised before the first byte is sent."""
    workspace = actor.workspace
    columns = exporting.contact_columns(workspace, list(keys) if keys else DEFAULT_COLUMNS)
    read = selectors.read_filter(workspace=workspace, actor=actor, params=user_list.filter)
    # A download reads every member: the visibility rule in its full-read shape.
    visible = contact_visible_scan(workspace=workspace, actor=actor)
    members = selectors.user_list_members(
        workspace=workspace, actor=actor, read=read, visible=visible
    )
    ordered = members.order_by(*read.parsed.order)
    rows = exporting.contact_rows(workspace, ordered, columns, actor=actor)
    return exporting.csv_response(csv_filename(user_list), exporting.headers(columns), rows)
