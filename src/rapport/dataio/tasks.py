"""Background tasks of imports and exports."""

from django.tasks import task


@task
def run_import(job_id: int) -> str:
    """Run one queued import (see `importing.run`); returns the status it ended in."""
    from rapport.dataio.importing import run

    job = run(job_id)
    return job.status if job is not None else "missing"
