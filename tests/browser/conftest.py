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


@pytest.fixture
def people(transactional_db):
    """Built inside the live server's database (a transactional test)."""
    from tests.core.factories import make_member, make_workspace

    workspace = make_workspace(name="Acme", owner_email="owner@acme.test")
    member = make_member(workspace, "mia@acme.test", role="member")
    return workspace, workspace.owner_membership, member
