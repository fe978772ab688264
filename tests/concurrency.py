"""Running jobs at the same moment, each on its own thread and database connection, for
tests that commit for real (`django_db(transaction=True)`)."""

import threading

from django.db import connection, connections


def together(jobs) -> list[BaseException]:
    """Run every job on its own thread and connection, released at the same instant.

    SQLite's test database lives in memory with a shared cache, where a second writer
    fails at once ("table is locked") instead of waiting: there the same jobs run one
    after the other, still each on its own connection.
    """
    if connection.vendor == "sqlite":
        errors = []
        for job in jobs:
            errors += together_now([job])
        return errors
    return together_now(jobs)


def together_now(jobs) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(timeout=30)
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
