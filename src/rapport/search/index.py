"""Keeping the search index current. Writers call these inside their transaction.

`refresh` (re)indexes the given rows of one kind ("contact", "company", …) from the
database; `forget` drops them. Both take ids, so a bulk import calls them once per batch.
"""

from collections.abc import Iterable


def refresh(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Index or re-index these rows (filled in by the search work in issue 5)."""


def forget(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Remove these rows from the index (filled in by the search work in issue 5)."""
