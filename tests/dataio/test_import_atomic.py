"""All or nothing: a cancelled or crashed import leaves every table as it was, and while a
run is under way its progress and a cancel request cross its transaction's wall.

These tests commit for real (`transaction=True`): the canceller and the progress reader
run on their own connections, in another thread, as the web process would.
"""

import gc
import multiprocessing
import threading

import pytest
from django.db import connections

from rapport.dataio import importing, selectors, services
from rapport.dataio.importing import ahead
from rapport.dataio.importing.rows import Context
from rapport.dataio.importing.writers import ContactImporter
from rapport.dataio.models import ImportJob
from tests.customers.factories import make_company, make_contact
from tests.dataio.import_factories import draft, table_counts

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test process runs threads (pytest-xdist's, the canceller's); the child forked
    # beside them only cleans rows, which takes none of their locks.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

HEAD = ["First name", "Email", "Company", "Labels"]
BATCH = 10


def _rows(n: int) -> list[list[str]]:
    # New companies and new labels along the way: none of them may survive a rollback.
    return [HEAD] + [
        [f"P{i}", f"p{i}@x.test", f"Company {i % 4}", f"Tag {i % 3} ::: VIP"] for i in range(n)
    ]


def _queued(actor, rows):
    job = draft(actor, rows)
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    return job


def _elsewhere(fn):
    """Run `fn` on another thread, hence another database connection, and wait for it."""
    result = {}

    def target():
        try:
            result["value"] = fn()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    return result.get("value")


@pytest.fixture(autouse=True, params=["thread", "process"])
def reader(request, monkeypatch):
    """Every test here runs with the file read on a thread and in a child process (which
    a big file gets): a cancel or a crash must leave nothing behind either way."""
    if request.param == "process":
        if "fork" not in multiprocessing.get_all_start_methods():
            pytest.skip("no fork here")
        # The test process runs threads of its own (pytest-xdist's, the canceller's).
        monkeypatch.setattr(ahead, "forking", lambda: True)
    monkeypatch.setattr(importing, "APART_FROM", 0 if request.param == "process" else 10**9)
    return request.param


@pytest.fixture
def seeded(member):
    make_contact(member, first_name="Old", email="old@x.test", label_ids=[])
    make_company(member, name="Old Co")
    return member


def test_a_cancelled_import_leaves_the_database_as_it_was(seeded):
    member = seeded
    before = table_counts(member.workspace)
    job = _queued(member, _rows(50))
    seen = []

    def on_progress(state):
        seen.append(state["processed"])
        if state["processed"] == 2 * BATCH:
            _elsewhere(
                lambda: services.import_cancel(
                    workspace=member.workspace, actor=member, job_id=job.pk
                )
            )

    job = importing.run(job.pk, on_progress=on_progress, batch_size=BATCH)

    assert job.status == "cancelled"
    assert seen == [10, 20]  # it stopped at the next batch
    assert (job.created, job.rejected, job.rejected_file) == (0, 0, "")
    assert table_counts(member.workspace) == before


def test_a_crashed_import_leaves_the_database_as_it_was(seeded, monkeypatch):
    member = seeded
    before = table_counts(member.workspace)
    job = _queued(member, _rows(50))
    real_apply = ContactImporter.apply
    batches = []

    def apply(self, rows):
        batches.append(len(rows))
        if len(batches) == 3:
            raise RuntimeError("the disk is full")
        return real_apply(self, rows)

    monkeypatch.setattr(ContactImporter, "apply", apply)

    job = importing.run(job.pk, batch_size=BATCH)

    assert job.status == "failed"
    assert job.error == "The import stopped on an unexpected error. Nothing was imported."
    assert job.processed == 2 * BATCH
    assert table_counts(member.workspace) == before


def test_a_database_error_mid_run_rolls_everything_back(seeded, monkeypatch):
    """A real failure of the database, not of our code: a row the table refuses."""
    member = seeded
    before = table_counts(member.workspace)
    job = _queued(member, _rows(30))
    real_apply = ContactImporter.apply
    batches = []

    def apply(self, rows):
        batches.append(1)
        if len(batches) == 3:
            rows[0].values["first_name"] = "x" * 500  # past varchar(100) on PostgreSQL
            rows[0].values["email"] = None  # NOT NULL on both databases
        return real_apply(self, rows)

    monkeypatch.setattr(ContactImporter, "apply", apply)

    job = importing.run(job.pk, batch_size=BATCH)

    assert job.status == "failed"
    assert table_counts(member.workspace) == before


def test_progress_is_visible_outside_the_run_while_it_goes(member):
    job = _queued(member, _rows(30))
    outside = []

    def on_progress(state):
        if state["processed"] == 2 * BATCH:

            def read():
                fresh = ImportJob.objects.get(pk=job.pk)
                progress = selectors.import_progress(job=fresh)
                return fresh.status, fresh.total, progress.processed, progress.created

            outside.append(_elsewhere(read))

    job = importing.run(job.pk, on_progress=on_progress, batch_size=BATCH)

    assert outside == [("running", 30, 20, 20)]
    assert (job.status, job.created) == ("done", 30)


def test_a_job_cancelled_while_queued_never_runs(member):
    job = _queued(member, _rows(5))
    before = table_counts(member.workspace)

    services.import_cancel(workspace=member.workspace, actor=member, job_id=job.pk)
    job = importing.run(job.pk)

    assert job.status == "cancelled"
    assert table_counts(member.workspace) == before


def test_a_cancel_request_reaching_a_queued_job_late_still_stops_it(member):
    """The worker may claim the job between the flag and the UPDATE of the canceller."""
    job = _queued(member, _rows(5))
    from rapport.dataio.importing import channel

    channel.request_cancel(job)
    job = importing.run(job.pk)

    assert job.status == "cancelled"


def test_a_new_start_forgets_an_old_cancel_request(member):
    job = _queued(member, _rows(5))
    services.import_cancel(workspace=member.workspace, actor=member, job_id=job.pk)

    job = services.import_start(workspace=member.workspace, actor=member, job_id=job.pk)

    assert (job.status, job.created) == ("done", 5)


def test_a_row_check_failing_half_way_fails_in_the_importers_language_and_leaves_nothing(
    seeded, monkeypatch
):
    # Rows are checked ahead, on a thread or in a child: its failure ends the run like any.
    member = seeded
    member.user.language = "pl"
    member.user.save(update_fields=["language"])
    before = table_counts(member.workspace)
    job = _queued(member, _rows(50))
    real_clean = Context.clean

    def clean(self, number, cells):
        if number == 37:
            raise RuntimeError("a bug in a check")
        return real_clean(self, number, cells)

    monkeypatch.setattr(Context, "clean", clean)

    job = importing.run(job.pk, batch_size=BATCH)

    assert job.status == "failed"
    assert job.error == (
        "Import został przerwany przez nieoczekiwany błąd. Nic nie zostało zaimportowane."
    )
    assert job.processed == 3 * BATCH  # the batches before it were written, then undone
    assert table_counts(member.workspace) == before


def test_a_run_sweeps_garbage_less_often_and_puts_the_collector_back(member):
    before = gc.get_threshold()
    during = []
    job = _queued(member, _rows(25))

    job = importing.run(
        job.pk, batch_size=BATCH, on_progress=lambda p: during.append(gc.get_threshold()[0])
    )

    assert (job.status, job.created) == ("done", 25)
    assert len(during) == 3  # one report a batch
    assert set(during) == {importing.YOUNG_SWEEP}
    assert gc.get_threshold() == before


def test_overlapping_runs_put_the_collector_back_when_the_last_ends():
    before = gc.get_threshold()
    first, second = importing.fewer_collections(), importing.fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == importing.YOUNG_SWEEP  # the second still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
