"""Demo data for the feedback app (filled in below)."""
