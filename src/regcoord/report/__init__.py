"""regcoord.report."""
