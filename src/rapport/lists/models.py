"""User lists: a named contact filter whose members are worked out when asked.

Membership is never stored. The list is its filter (the filter language's query-string
dict), evaluated for the person looking, through the contact visibility rule: a contact
that starts matching is in, one that stops is out, and two members looking at the same
list each see only the contacts they may see.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import WorkspaceModel


class UserList(WorkspaceModel):
    name = models.CharField(_("name"), max_length=120)
    # The name casefolded by the service (up to 3x longer: "ß" folds to "ss"), unique per
    # workspace on both databases; SQLite's LOWER() would fold ASCII letters only.
    name_key = models.CharField(max_length=400, editable=False)
    description = models.TextField(_("description"), blank=True, default="")
    filter = models.JSONField(_("filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Also the index the lists page seeks: workspace, then name order.
            models.UniqueConstraint(fields=["workspace", "name_key"], name="user_list_unique_name")
        ]

    def __str__(self):
        return self.name
