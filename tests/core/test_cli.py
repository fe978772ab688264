"""The `rapport` command: in-process for the rules, as real processes for the contract."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from rapport.cli import main
from rapport.core.models import Category, Membership, TeamMember, Workspace
from rapport.core.services import token_authenticate
from tests.net import free_port

pytestmark = pytest.mark.django_db


def test_init_prints_the_slug_alone_on_its_last_line(capsys):
    assert (
        main(
            [
                "init",
                "--email",
                "boss@acme.test",
                "--password",
                "boss-password-1",
                "--workspace",
                "Acme Trading",
            ]
        )
        == 0
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "acme-trading"
    ws = Workspace.objects.get(slug=last)
    assert Membership.objects.get(workspace=ws).role == "owner"
    assert Category.objects.filter(workspace=ws, kind="deal-statuses", locked=True).count() == 4


def test_user_add_seats_a_user_with_role_and_teams(capsys):
    main(["init", "--email", "boss@acme.test", "--password", "boss-password-1"])
    slug = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        main(
            [
                "user",
                "add",
                "--workspace",
                slug,
                "--email",
                "ann@acme.test",
                "--password",
                "ann-password-12",
                "--role",
                "admin",
                "--team",
                "Sales",
                "--team",
                "EU",
            ]
        )
        == 0
    )
    membership = Membership.objects.get(user__email="ann@acme.test")
    assert membership.role == "admin"
    teams = TeamMember.objects.filter(user=membership.user).values_list("team__name", flat=True)
    assert sorted(teams) == ["EU", "Sales"]


def test_user_add_to_an_unknown_workspace_fails_clearly(capsys):
    code = main(
        [
            "user",
            "add",
            "--workspace",
            "nope",
            "--email",
            "a@b.test",
            "--password",
            "whatever-pass-1",
            "--role",
            "member",
        ]
    )
    assert code == 2
    assert "No workspace with the slug nope" in capsys.readouterr().err


def test_token_create_prints_only_a_working_token(capsys):
    main(["init", "--email", "boss@acme.test", "--password", "boss-password-1"])
    capsys.readouterr()
    assert main(["token", "create", "--email", "boss@acme.test"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert token_authenticate(raw=out.strip()).user.email == "boss@acme.test"


def test_demo_loads_once(capsys):
    assert main(["demo"]) == 0
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert Workspace.objects.filter(slug="demo").count() == 1
    assert Membership.objects.filter(workspace__slug="demo").count() == 5


@pytest.fixture
def cli_env(tmp_path):
    """A separate SQLite install in tmp_path, so real processes never touch the test DB."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        RAPPORT_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/cli.sqlite3",
        SECRET_KEY="cli-test-secret",
    )
    return env


def _run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "rapport", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_and_the_real_server_agree(cli_env):
    """init -> token create -> GET deal statuses through gunicorn: the "done when" flow."""
    _run(cli_env, "migrate")
    slug = (
        _run(
            cli_env,
            "init",
            "--email",
            "e2e@acme.test",
            "--password",
            "e2e-password-9",
            "--workspace",
            "E2E",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    token = _run(cli_env, "token", "create", "--email", "e2e@acme.test").stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "rapport", "serve", "--port", str(port), "--workers", "1"],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/api/v1/settings/categories/deal-statuses",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.load(response)
        me = urllib.request.Request(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(me, timeout=5) as response:
            assert json.load(response)["workspace"]["slug"] == slug
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert [(c["name"], c["locked"]) for c in body["items"]] == [
        ("In progress", True),
        ("Won", True),
        ("Postponed", True),
        ("Lost", True),
    ]
