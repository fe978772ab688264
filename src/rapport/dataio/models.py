"""dataio models."""
