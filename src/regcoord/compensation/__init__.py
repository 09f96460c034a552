"""Compensation calculators: water-quality rules, ecosystem-service value, tax sharing, grain and resources.

Every calculator takes a date's :class:`~regcoord.rules.RuleSnapshot` (or user
parameters), returns a frozen result with exact Decimal money (yuan, rounded to the fen
with ROUND_HALF_EVEN) and an explanation ``trace``.
"""

from regcoord.compensation._payment import Payment
from regcoord.compensation.esv import (
    CompensationBounds,
    ESVResult,
    StandardEquivalent,
    compensation_bounds,
    ecosystem_service_value,
    standard_equivalent,
)
from regcoord.compensation.grain_resource import (
    GrainCompensation,
    ResourceCompensation,
    ResourceFlow,
    grain_outflow_compensation,
    resource_price_gap,
)
from regcoord.compensation.tax_sharing import TaxShareResult, relocated_tax_sharing
from regcoord.compensation.water_quality import (
    PIndex,
    QuantityReward,
    ReductionReward,
    SegmentSettlement,
    WaterQualitySettlement,
    baselines_from_history,
    meets_thresholds,
    p_index,
    quantity_reward,
    reduction_reward,
    segment_settlement,
    xinan_rounds,
    xinan_settlement,
)

__all__ = [
    "CompensationBounds",
    "ESVResult",
    "GrainCompensation",
    "PIndex",
    "Payment",
    "QuantityReward",
    "ReductionReward",
    "ResourceCompensation",
    "ResourceFlow",
    "SegmentSettlement",
    "StandardEquivalent",
    "TaxShareResult",
    "WaterQualitySettlement",
    "baselines_from_history",
    "compensation_bounds",
    "ecosystem_service_value",
    "grain_outflow_compensation",
    "meets_thresholds",
    "p_index",
    "quantity_reward",
    "reduction_reward",
    "relocated_tax_sharing",
    "resource_price_gap",
    "segment_settlement",
    "standard_equivalent",
    "xinan_rounds",
    "xinan_settlement",
]
