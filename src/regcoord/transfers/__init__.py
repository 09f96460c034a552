"""Fiscal equalization formulas and budget-constrained allocation to a disparity target.

Formulas (China balanced transfer, Australian GST relativities with a floor, partial
equalization — German 63% rule, Canadian style) return a :class:`TransferResult` with
exact Decimal amounts and a trace; :func:`allocate_budget` and :func:`minimal_budget`
optimize a budget against Theil / CV / Gini or leximin (exact water-filling).
"""

from regcoord.transfers.formulas import (
    Envelope,
    TransferResult,
    australia_gst,
    canada_equalization,
    china_balanced_transfer,
    full_equalization,
    gdp_growth_envelope,
    germany_equalization,
    horizontal_equalization,
    partial_equalization,
)
from regcoord.transfers.optimize import (
    INDICES,
    AllocationResult,
    BudgetSearchResult,
    allocate_budget,
    disparity,
    minimal_budget,
    water_fill,
)

__all__ = [
    "INDICES",
    "AllocationResult",
    "BudgetSearchResult",
    "Envelope",
    "TransferResult",
    "allocate_budget",
    "australia_gst",
    "canada_equalization",
    "china_balanced_transfer",
    "disparity",
    "full_equalization",
    "gdp_growth_envelope",
    "germany_equalization",
    "horizontal_equalization",
    "minimal_budget",
    "partial_equalization",
    "water_fill",
]
