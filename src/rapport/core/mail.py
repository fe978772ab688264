"""Outgoing email: plain text from templates, sent through the configured EMAIL_URL."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send_templated(
    *,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
) -> None:
    body = render_to_string(template, context)
    EmailMessage(
        subject=subject,
        body=body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    ).send()
