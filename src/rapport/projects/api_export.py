"""Projects API: export (skeleton; see issue 6)."""

from ninja import Router

router = Router(tags=["projects"])
