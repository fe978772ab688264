"""What search can find: one provider per kind of record, registered by the owning app.

An app makes its records searchable with

    from rapport.search.registry import IndexedProvider, register

    class CaseProvider(IndexedProvider):
        kind = "case"
        label = _("Case")

        def documents(self, *, workspace_id, ids): ...   # rows -> Document
        def url(self, *, slug, object_id): ...
        def visible(self, *, actor): ...                 # None: all rows of the workspace

    register("case", CaseProvider())

and calls `rapport.search.index.refresh(workspace_id, "case", ids)` after every write
(and `forget` after a delete). An `IndexedProvider` is for records that grow without
bound; a `LiveProvider` answers from its own small table at query time (people, teams,
settings pages), so it needs no index and no calls on writes.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, Q, QuerySet

from rapport.core.models import Membership, Workspace


@dataclass(frozen=True)
class Document:
    """One record as the index holds it. `words` are what the record is called (ranked
    first); `other` is everything else a query may match (emails, digits of phones, a
    domain). Both are plain text: the index folds them."""

    object_id: int
    title: str
    subtitle: str = ""
    words: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """One result as the API and the UI show it."""

    type: str
    id: int
    title: str
    subtitle: str
    url: str
    label: str = ""


# `visible` may answer this to hide a kind altogether (its module is switched off).
HIDDEN = Q(pk__in=[])


class RowExists(Exists):
    """EXISTS asked row by row as a search walks its matches, for `visible` rules.

    PostgreSQL turns a plain EXISTS under an OR into a hashed subplan: it would build the
    set of every contact the member may see (150,000 rows at a million) before reading
    the first match. A subquery with an OFFSET is never rewritten that way, so this one
    stays a per-row probe and the walk stops at the LIMIT."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


class IndexedProvider:
    kind: str = ""
    label = ""  # what one record is called, translatable ("Contact")

    def documents(self, *, workspace_id: int, ids: list[int]) -> Iterable[Document]:
        """Documents for those of `ids` that exist; a missing id is simply left out (the
        index then drops its row)."""
        raise NotImplementedError

    def ids(self, *, workspace_id: int) -> QuerySet:
        """Every id of the kind in the workspace, for a rebuild (`search_reindex`)."""
        raise NotImplementedError

    def url(self, *, slug: str, object_id: int) -> str:
        raise NotImplementedError

    def visible(self, *, actor: Membership) -> Q | None:
        """A filter on index rows (`search.Entry`: `object_id` is the record's id) that
        keeps those the actor may see, in SQL; None when the actor sees every record of
        the kind; `HIDDEN` when none."""
        return None


class LiveProvider:
    kind: str = ""
    label = ""

    def search(
        self,
        *,
        workspace: Workspace,
        actor: Membership,
        terms: list[str],
        raw: list[str],
        limit: int,
    ) -> list[tuple[int, Hit]]:
        """Up to `limit` hits as (rank, hit): 0 when every term is a whole word of the
        name, 1 when every term starts a word, 2 when every term is inside some word.
        `terms` are folded (`rapport.search.fold`); `raw` are lowercased as typed, for a
        first cut in SQL."""
        raise NotImplementedError


_providers: dict[str, IndexedProvider | LiveProvider] = {}


def register(kind: str, provider: IndexedProvider | LiveProvider) -> None:
    if not kind or len(kind) > 24:
        raise ValueError(f"A search kind is 1 to 24 characters: {kind!r}")
    provider.kind = kind
    _providers[kind] = provider


def unregister(kind: str) -> None:
    """Take a kind out of search (its index rows stay until rebuilt); for tests."""
    _providers.pop(kind, None)


def get(kind: str) -> IndexedProvider:
    provider = _providers.get(kind)
    if not isinstance(provider, IndexedProvider):
        raise LookupError(f"No indexed search provider for {kind!r}")
    return provider


def indexed() -> dict[str, IndexedProvider]:
    return {k: p for k, p in _providers.items() if isinstance(p, IndexedProvider)}


def live() -> dict[str, LiveProvider]:
    return {k: p for k, p in _providers.items() if isinstance(p, LiveProvider)}
