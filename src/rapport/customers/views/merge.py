"""Duplicates and merge pages."""

urlpatterns: list = []
