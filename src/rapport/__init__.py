"""Rapport: an open-source, self-hostable CRM."""

__version__ = "0.1.0"
