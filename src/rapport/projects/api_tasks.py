"""Projects API: tasks (skeleton; see issue 6)."""

from ninja import Router

router = Router(tags=["projects"])
