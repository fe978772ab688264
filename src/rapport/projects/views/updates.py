"""Task updates and time (skeleton; see issue 6)."""

urlpatterns: list = []
