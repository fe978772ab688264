"""The REST API: one NinjaAPI, each app's router mounted under /api/v1/.

Errors always have the shape {"detail": "...", "errors": [{"field", "message"}]}.
"""

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from rapport.core.access import session_membership
from rapport.core.errors import DomainError
from rapport.core.models import Membership
from rapport.core.modules import API_OWNERS
from rapport.core.services import token_authenticate


def _module_gate(request, membership: Membership) -> None:
    """A path of a module that is off does not exist: 404 before the body is validated
    (the module's own check comes later and would let a malformed body answer 422)."""
    first = request.path_info.removeprefix("/api/v1/").split("/", 1)[0].split(".", 1)[0]
    module = API_OWNERS.get(first)
    if module and not membership.workspace.module_enabled(module):
        raise Http404("This module is switched off.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the token decides the workspace."""

    def authenticate(self, request, token):
        api_token = token_authenticate(raw=token)
        if api_token is None:
            return None
        membership = (
            Membership.objects.select_related("workspace", "user")
            .filter(workspace=api_token.workspace, user=api_token.user)
            .first()
        )
        if membership is None:
            return None
        _module_gate(request, membership)
        request.membership = membership
        return membership


class SessionAuth(APIKeyCookie):
    """The UI's session (with CSRF on unsafe methods): the last workspace used."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        # A request that sends a token is judged by the token alone: a wrong one is a 401
        # even when a browser session rides along.
        if "HTTP_AUTHORIZATION" in request.META or not request.user.is_authenticated:
            return None
        membership = session_membership(request)
        if membership is None:
            return None
        _module_gate(request, membership)
        request.membership = membership
        return membership


api = NinjaAPI(
    title="Rapport API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)


def _error(request, status: int, detail: str, errors: list | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.message, exc.errors)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "Invalid.")})
    return _error(request, 422, "The request is not valid.", errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "Authentication required: send a valid Bearer token.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


def _mount() -> None:
    from rapport.core.api import router as core_router
    from rapport.customers.api import router as customers_router
    from rapport.customers.api_merge import router as merge_router
    from rapport.customfields.api import router as customfields_router
    from rapport.dataio.api import router as dataio_router
    from rapport.dataio.api_export import router as export_router
    from rapport.lists.api import router as lists_router
    from rapport.projects.api_export import router as project_export_router
    from rapport.projects.api_projects import router as projects_router
    from rapport.projects.api_tasks import router as tasks_router
    from rapport.projects.api_updates import router as updates_router
    from rapport.search.api import router as search_router

    api.add_router("/", core_router)
    # Fixed paths such as /contacts/export.csv and /contacts/duplicates come before the
    # customers router's /contacts/{contact_id}, which would otherwise claim them.
    api.add_router("/", merge_router)
    api.add_router("/", dataio_router)
    api.add_router("/", export_router)
    api.add_router("/", customers_router)
    api.add_router("/lists", lists_router)
    # /projects/export.csv before /projects/{project_id}, as for contacts above.
    api.add_router("/", project_export_router)
    api.add_router("/", updates_router)
    api.add_router("/", tasks_router)
    api.add_router("/", projects_router)
    api.add_router("/search", search_router)
    api.add_router("/custom-fields", customfields_router)


_mount()
