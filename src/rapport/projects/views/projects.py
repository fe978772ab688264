"""Project pages: list, detail, form (skeleton; see issue 6)."""

from django.shortcuts import render
from django.urls import path

from rapport.core.access import workspace_view
from rapport.core.modules import MODULES


@workspace_view(module="projects")
def project_list(request):
    return render(request, "core/module_home.html", {"module": MODULES["projects"]})


urlpatterns = [path("projects/", project_list, name="project_list")]
