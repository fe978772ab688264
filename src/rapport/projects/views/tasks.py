"""Phase, task and common-task pages (skeleton; see issue 6)."""

from django.shortcuts import render
from django.urls import path

from rapport.core.access import workspace_view
from rapport.core.modules import MODULES


@workspace_view(module="projects")
def common_task_list(request):
    return render(request, "core/module_home.html", {"module": MODULES["projects"]})


urlpatterns = [path("common-tasks/", common_task_list, name="common_task_list")]
