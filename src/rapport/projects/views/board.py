"""My tasks and the task board (skeleton; see issue 6)."""

from django.shortcuts import render
from django.urls import path

from rapport.core.access import workspace_view
from rapport.core.modules import MODULES


@workspace_view(module="projects")
def my_tasks(request):
    return render(request, "core/module_home.html", {"module": MODULES["projects"]})


@workspace_view(module="projects")
def task_board(request):
    return render(request, "core/module_home.html", {"module": MODULES["projects"]})


urlpatterns = [
    path("tasks/", my_tasks, name="my_tasks"),
    path("board/", task_board, name="task_board"),
]
