"""The `rapport` command (also `python -m rapport`)."""

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app with gunicorn")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.add_argument("--dev", action="store_true", help="Django's autoreloading dev server")

    worker = sub.add_parser("worker", help="run background tasks")
    worker.add_argument("--batch", action="store_true", help="drain the queue, then exit")

    sub.add_parser("migrate", help="create or upgrade the database tables")

    init = sub.add_parser("init", help="create a workspace and its owner")
    init.add_argument("--email", required=True)
    init.add_argument("--password", required=True)
    init.add_argument("--workspace", default="My workspace")
    init.add_argument("--name", default="")

    user = sub.add_parser("user", help="manage staff users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user to a workspace")
    add.add_argument("--workspace", required=True, help="workspace slug")
    add.add_argument("--email", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--role", choices=["owner", "admin", "member"], default="member")
    add.add_argument("--team", action="append", default=[], help="team name (repeatable)")
    add.add_argument("--name", default="")

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it")
    create.add_argument("--email", required=True)
    create.add_argument("--workspace", help="workspace slug (default: the user's first)")
    create.add_argument("--name", default="CLI token")

    demo = sub.add_parser("demo", help="load the demo workspace (once)")
    demo.add_argument("--force", action="store_true", help="load it again even if present")

    bench = sub.add_parser("seed-bench", help="fill a workspace with N contacts for benchmarks")
    bench.add_argument("--contacts", type=int, required=True)
    bench.add_argument("--workspace", help="workspace slug (created with an owner when absent)")
    bench.add_argument("--seed", type=int, default=1, help="the same seed gives the same rows")

    from rapport.dataio import cli_export, cli_import

    cli_import.add_parser(sub)
    cli_export.add_parser(sub)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup()
    from django.core.management import call_command

    from rapport.core.errors import DomainError

    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "worker":
            call_command("db_worker", batch=args.batch)
        elif args.command == "migrate":
            call_command("migrate", interactive=False, verbosity=1)
        elif args.command == "init":
            from rapport.core.commands import init

            print(
                init(
                    email=args.email,
                    password=args.password,
                    workspace=args.workspace,
                    name=args.name,
                )
            )
        elif args.command == "user":
            from rapport.core.commands import user_add

            membership = user_add(
                workspace_slug=args.workspace,
                email=args.email,
                password=args.password,
                role=args.role,
                teams=args.team,
                name=args.name,
            )
            print(f"{membership.user.email} is {membership.role} of {membership.workspace.slug}")
        elif args.command == "token":
            from rapport.core.commands import token_create

            print(token_create(email=args.email, workspace_slug=args.workspace, name=args.name))
        elif args.command == "demo":
            from rapport.core.demo import load_demo

            print(load_demo(force=args.force))
        elif args.command == "seed-bench":
            _seed_bench(args)
        elif args.command in ("import", "export"):
            from rapport.dataio import cli_export, cli_import

            return (cli_import if args.command == "import" else cli_export).run(args)
        elif args.command == "manage":
            from django.core.management import execute_from_command_line

            execute_from_command_line(["rapport manage", *args.args])
    except DomainError as exc:
        print(f"rapport: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _seed_bench(args) -> None:
    from rapport.customers.seed import seed_bench

    def progress(done: int) -> None:
        if done % 100_000 == 0:
            print(f"{done:,} contacts", file=sys.stderr, flush=True)

    result = seed_bench(
        contacts=args.contacts, workspace_slug=args.workspace, seed=args.seed, progress=progress
    )
    print(
        f"Seeded {result.contacts:,} contacts and {result.companies:,} companies "
        f"in {result.seconds:.1f} s."
    )
    if result.login:
        print(result.login)
    print(result.workspace.slug)


def _serve(args) -> int:
    from django.core.management import call_command

    if args.dev:
        call_command("runserver", f"{args.host}:{args.port}")
        return 0
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "rapport.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ],
    )
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    raise SystemExit(main())
