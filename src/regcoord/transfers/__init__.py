"""regcoord.transfers."""
