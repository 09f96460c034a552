"""Named region catalogs that a panel can refer to (``catalog="china"``)."""

from __future__ import annotations

from typing import Any

from regcoord.errors import DataError
from regcoord.regions import RegionTree, china


def resolve_catalog(catalog: Any) -> RegionTree:
    """A :class:`RegionTree` from a tree or a catalog name (``"china"``, ``"china-full"``)."""
    if isinstance(catalog, RegionTree):
        return catalog
    if catalog == "china":
        return china()
    if catalog == "china-full":
        return china(full=True)
    raise DataError(f"unknown catalog {catalog!r}", expected="'china', 'china-full' or a RegionTree")
