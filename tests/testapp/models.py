from django.db import models

from rapport.core.models import Category, WorkspaceModel


class Thing(WorkspaceModel):
    source = models.ForeignKey(Category, null=True, on_delete=models.PROTECT, related_name="+")
    labels = models.ManyToManyField(Category, related_name="+")

    def __str__(self):
        return f"thing {self.pk}"
