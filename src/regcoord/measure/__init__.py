"""The measuring engine: disparity, decomposition, inference, convergence, composites, warnings.

Every function takes ``values`` of shape ``(n_regions,)`` or ``(n_years, n_regions)``
(or a :class:`~regcoord.data.PanelMatrix`), optional weights, and returns a frozen
dataclass that keeps the region and year labels.  All indices at once:
``regcoord.measure.inequality.inequality`` (the submodule keeps that name).
"""

from regcoord.measure.clubs import ClubsResult, LogTTest, convergence_clubs, log_t_test
from regcoord.measure.composite import CompositeResult, CompositeSpec, composite_index, load_spec
from regcoord.measure.convergence import (
    BetaResult,
    MarkovResult,
    SigmaResult,
    beta_convergence,
    markov_transitions,
    panel_beta_convergence,
    sigma_convergence,
)
from regcoord.measure.coupling import (
    CouplingResult,
    ObstacleResult,
    coupling_coordination,
    obstacle_degree,
)
from regcoord.measure.decomposition import (
    GiniDecomposition,
    NestedTheil,
    TheilDecomposition,
    gini_decomposition,
    nested_theil,
    theil_decomposition,
)
from regcoord.measure.entropy import GEDecomposition, ge_decomposition, generalized_entropy
from regcoord.measure.inequality import (
    IndexSeries,
    InequalityResult,
    atkinson,
    cv,
    gini,
    max_min_ratio,
    quantile_ratio,
    theil_l,
    theil_t,
    williamson_cv,
)
from regcoord.measure.inference import BootstrapResult, PermutationResult, bootstrap, permutation_test
from regcoord.measure.polarization import esteban_ray, hoover, wolfson
from regcoord.measure.sources import GiniBySource, KrugmanResult, gini_by_source, krugman_index
from regcoord.measure.spatial import SpatialGiniResult, spatial_gini
from regcoord.measure.uncertainty import (
    SobolResult,
    UncertaintyResult,
    sensitivity_analysis,
    uncertainty_analysis,
)
from regcoord.measure.warning import RuleSet, WarningResult, default_rules, early_warning, evaluate_signals

__all__ = [
    "BetaResult",
    "BootstrapResult",
    "ClubsResult",
    "CompositeResult",
    "CompositeSpec",
    "CouplingResult",
    "GEDecomposition",
    "GiniBySource",
    "GiniDecomposition",
    "IndexSeries",
    "InequalityResult",
    "KrugmanResult",
    "LogTTest",
    "MarkovResult",
    "NestedTheil",
    "ObstacleResult",
    "PermutationResult",
    "RuleSet",
    "SigmaResult",
    "SobolResult",
    "SpatialGiniResult",
    "TheilDecomposition",
    "UncertaintyResult",
    "WarningResult",
    "atkinson",
    "beta_convergence",
    "bootstrap",
    "composite_index",
    "convergence_clubs",
    "coupling_coordination",
    "cv",
    "default_rules",
    "early_warning",
    "esteban_ray",
    "evaluate_signals",
    "ge_decomposition",
    "generalized_entropy",
    "gini",
    "gini_by_source",
    "gini_decomposition",
    "hoover",
    "krugman_index",
    "load_spec",
    "log_t_test",
    "markov_transitions",
    "max_min_ratio",
    "nested_theil",
    "obstacle_degree",
    "panel_beta_convergence",
    "permutation_test",
    "quantile_ratio",
    "sensitivity_analysis",
    "sigma_convergence",
    "spatial_gini",
    "theil_decomposition",
    "theil_l",
    "theil_t",
    "uncertainty_analysis",
    "williamson_cv",
    "wolfson",
]
