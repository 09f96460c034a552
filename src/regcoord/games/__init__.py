"""regcoord.games."""
