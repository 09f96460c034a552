"""Cooperative (transferable-utility) games between regions: fair shares of joint gains.

One game class, :class:`TUGame`, stores the characteristic function once as a float64
array indexed by coalition bitmask.  Solutions return frozen dataclasses that keep the
player names (:class:`Allocation` and friends).
"""

from regcoord.games.cooperative._bankruptcy import (
    bankruptcy_game,
    constrained_equal_awards,
    constrained_equal_losses,
    proportional,
    random_arrival,
    talmud,
)
from regcoord.games.cooperative._bargaining import (
    BargainingSolution,
    ParetoCheck,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_check,
)
from regcoord.games.cooperative._core import (
    CoreCheck,
    LeastCore,
    core_is_empty,
    in_core,
    least_core,
    nucleolus,
    prenucleolus,
)
from regcoord.games.cooperative._game import Allocation, GameError, TUGame, coalition_sums
from regcoord.games.cooperative._owen import owen, parse_unions, quotient_game
from regcoord.games.cooperative._shapley import (
    CoalitionFunction,
    MonteCarloShapley,
    banzhaf,
    shapley,
    shapley_monte_carlo,
    weighted_shapley,
)

__all__ = [
    "Allocation",
    "BargainingSolution",
    "CoalitionFunction",
    "CoreCheck",
    "GameError",
    "LeastCore",
    "MonteCarloShapley",
    "ParetoCheck",
    "TUGame",
    "bankruptcy_game",
    "banzhaf",
    "coalition_sums",
    "constrained_equal_awards",
    "constrained_equal_losses",
    "core_is_empty",
    "in_core",
    "kalai_smorodinsky",
    "least_core",
    "nash_bargaining",
    "nucleolus",
    "owen",
    "pareto_check",
    "parse_unions",
    "prenucleolus",
    "proportional",
    "quotient_game",
    "random_arrival",
    "shapley",
    "shapley_monte_carlo",
    "talmud",
    "weighted_shapley",
]
