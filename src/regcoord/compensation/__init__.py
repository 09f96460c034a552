"""regcoord.compensation."""
