"""regcoord.agreements."""
