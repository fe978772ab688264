from django.urls import include, path, re_path

from rapport.api import api
from rapport.core.views import api_not_found

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("rapport.core.urls")),
]
