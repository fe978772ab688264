"""Background tasks of search: merging SQLite's full-text segments after a big delete."""

from django.tasks import task


@task
def compact_index() -> None:
    """`index.compact`, off the request: merging every segment of a big index takes time
    (~20 s at 1M rows, in short transactions), which a delete's request must not wait on."""
    from rapport.search.index import compact

    compact()
