"""Reports read tickets and change requests; they own no tables yet (statistics come later)."""
