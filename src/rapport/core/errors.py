"""Domain errors: services raise these; one handler maps them to HTTP (api.py, views)."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    status = 400
    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict] | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.field = field
        self.errors = errors or ([{"field": field, "message": self.message}] if field else [])


class Invalid(DomainError):
    status = 422
    default_code = "invalid"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    default_code = "precondition_failed"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"


class Unavailable(DomainError):
    """Something outside us (the mail server) failed; the request changed nothing."""

    status = 503
    default_code = "unavailable"


class Errors:
    """Gathers field errors so a form shows all of them, not the first one only."""

    def __init__(self):
        self.items: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.items:
            fields = ", ".join(dict.fromkeys(e["field"] for e in self.items))
            raise Invalid(
                _("Check these fields: %(fields)s.") % {"fields": fields}, errors=self.items
            )

    def take(self, exc: Invalid, default_field: str) -> None:
        if exc.errors:
            self.items.extend(exc.errors)
        else:
            self.add(default_field, exc.message)
