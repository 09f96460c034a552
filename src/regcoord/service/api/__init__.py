"""HTTP API: one router per resource, all calling :mod:`regcoord.service.usecases`."""
