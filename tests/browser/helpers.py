"""What browser tests share: signing in without the login form, and console errors.

`log_in` puts a session made by Django's test client into the browser's cookie jar: a
test about contacts should not fail because a login form raced a navigation. The login
form itself has its own test (test_shell.py).
"""

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, email: str) -> list[str]:
    """Sign `email` in; returns the list the page's console errors go to (CSP refusals
    too). A refused form post (422) is logged by the browser as well, and is expected."""
    from rapport.core.models import User

    errors: list[str] = []

    def keep(message):
        if message.type == "error" and "status of 422" not in message.text:
            errors.append(message.text)

    page.on("console", keep)
    client = Client()
    client.force_login(User.objects.get(email=email))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    return errors
