"""regcoord.service."""
