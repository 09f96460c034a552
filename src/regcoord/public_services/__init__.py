"""Basic public services across regions: pension adjustment, benefits that move with people, standards.

Pure engines (no service, CLI, report, database or HTTP imports) over dated rule sets,
with exact Decimal money (yuan to the fen) and explanation traces:

* :mod:`~regcoord.public_services.pension_adjustment` — central adjustment of the
  enterprise employees' basic pension fund (国发〔2018〕18号);
* :mod:`~regcoord.public_services.pension_transfer` — transfer and continuation of
  pension rights between provinces (国办发〔2009〕66号) and the flows of a table of moves;
* :mod:`~regcoord.public_services.medical_clearing` — cross-province direct settlement
  of medical bills: advance funds, clearing and net settlement per pair of provinces;
* :mod:`~regcoord.public_services.standards` — per-capita indicators against the national
  basic public service standards, gaps and early warning (:mod:`regcoord.measure.warning`).
"""

from regcoord.public_services.medical_clearing import (
    BILL_COLUMNS,
    MedicalClearing,
    advance_funds,
    medical_clearing,
)
from regcoord.public_services.pension_adjustment import (
    COLUMNS,
    RATE_PARAMETER,
    AdjustmentAmounts,
    CapacityDisparity,
    PensionAdjustment,
    RateParameter,
    adjustment_amounts,
    adjustment_date,
    pension_adjustment,
    reform_formula,
)
from regcoord.public_services.pension_transfer import (
    MOVE_COLUMNS,
    ContributionYear,
    PensionTransfer,
    TransferFlows,
    pension_transfer,
    transfer_flows,
)
from regcoord.public_services.standards import StandardGaps, standard_gaps

__all__ = [
    "BILL_COLUMNS",
    "COLUMNS",
    "MOVE_COLUMNS",
    "RATE_PARAMETER",
    "AdjustmentAmounts",
    "CapacityDisparity",
    "ContributionYear",
    "MedicalClearing",
    "PensionAdjustment",
    "PensionTransfer",
    "RateParameter",
    "StandardGaps",
    "TransferFlows",
    "adjustment_amounts",
    "adjustment_date",
    "advance_funds",
    "medical_clearing",
    "pension_adjustment",
    "pension_transfer",
    "reform_formula",
    "standard_gaps",
    "transfer_flows",
]
