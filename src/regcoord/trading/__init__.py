"""regcoord.trading."""
