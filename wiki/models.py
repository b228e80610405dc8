"""Knowledge base pages grouped by client organization (a later issue)."""
