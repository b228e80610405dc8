"""Email intake: parsing, loop detection, quote folding and mailbox transport (no model imports)."""
