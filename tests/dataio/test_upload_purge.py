"""Uploads nobody ran are removed after a week; the job stays and asks for the file again."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from rapport.core.errors import Conflict
from rapport.dataio import services
from rapport.dataio.models import ImportJob
from tests.dataio.import_factories import draft, run_import

pytestmark = pytest.mark.django_db

ROWS = [["name", "email"], ["Ada Lovelace", "ada@example.com"]]


def _age(job, days: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def test_an_old_draft_loses_its_file_on_the_next_upload_and_asks_for_it_again(member):
    old = draft(member, ROWS)
    name = old.file
    _age(old, 8)
    recent = draft(member, ROWS, name="recent.csv")

    old.refresh_from_db()
    assert old.file == ""
    assert not default_storage.exists(name)
    assert ImportJob.objects.filter(pk=old.pk).exists()  # the history stays
    assert default_storage.exists(recent.file)
    with pytest.raises(Conflict, match="upload it again"):
        services.import_start(workspace=member.workspace, actor=member, job_id=old.pk)


def test_a_finished_import_and_a_fresh_draft_are_left_alone(member):
    done = run_import(member, ROWS)
    fresh = draft(member, ROWS)
    _age(done, 30)
    _age(fresh, 6)

    assert services.purge_abandoned_uploads() == 0
    fresh.refresh_from_db()
    assert default_storage.exists(fresh.file)


def test_the_command_purges_every_workspace(member, outsider, capsys):
    mine, theirs = draft(member, ROWS), draft(outsider, ROWS)
    _age(mine, 10)
    _age(theirs, 10)

    call_command("purge_import_uploads")

    assert "Removed 2 abandoned upload(s)" in capsys.readouterr().out
    for job in (mine, theirs):
        job.refresh_from_db()
        assert job.file == ""
