import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():
    """SQLite's in-memory test database is one connection that the live server's threads
    share: two requests at once (an htmx suggestion while a page loads) then break it
    ("bad parameter or other API misuse"). On SQLite the live server answers one request
    at a time; Django's single-threaded server closes each connection, so none waits."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite":
        yield
        return

    class SerialServer(WSGIServer):
        # The live server thread has taken the shared connection already (and a server
        # without threads answers on that thread): nothing to pass on.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = SerialServer
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture
def people(transactional_db):
    """Built inside the live server's database (a transactional test)."""
    from tests.core.factories import make_member, make_workspace

    workspace = make_workspace(name="Acme", owner_email="owner@acme.test")
    member = make_member(workspace, "mia@acme.test", role="member")
    return workspace, workspace.owner_membership, member
