"""search models."""
