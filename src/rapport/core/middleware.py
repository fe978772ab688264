"""Per-request user preferences, and turning domain errors into proper HTTP answers."""

import zoneinfo

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from rapport.core.errors import DomainError, Forbidden, NotFound


class UserPreferencesMiddleware:
    """Activate the logged-in user's language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    def process_exception(self, request, exception):
        # A view that lets a domain error escape still answers the right status.
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, DomainError):
            from django.core.exceptions import BadRequest

            raise BadRequest(exception.message) from exception
        return None
