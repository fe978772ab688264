"""Every projects page, gathered from the view modules that own them."""

from rapport.projects.views import board, projects, tasks, updates

urlpatterns = [
    *projects.urlpatterns,
    *tasks.urlpatterns,
    *updates.urlpatterns,
    *board.urlpatterns,
]
