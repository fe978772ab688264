"""Domain errors: services raise these; one handler maps them to HTTP (api.py, views)."""


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
