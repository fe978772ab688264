"""lists models."""
