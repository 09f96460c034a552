"""regcoord.rules."""
