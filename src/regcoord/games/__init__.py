"""Games between regions.

- :mod:`regcoord.games.cooperative` — fair shares of cooperation gains (Shapley, Banzhaf,
  Owen, core, nucleolus, Nash bargaining, bankruptcy rules);
- :mod:`regcoord.games.strategic` — cooperation dilemmas between local governments
  (equilibria via ``nashpy``);
- :mod:`regcoord.games.incentive` — the smallest central incentive that makes cooperation
  an equilibrium, dominant, or sustainable;
- :mod:`regcoord.games.evolutionary` — replicator dynamics of basin ecological
  compensation (two- and three-party models).
"""

from regcoord.games import cooperative, evolutionary, incentive, strategic
from regcoord.games.cooperative import TUGame

__all__ = ["TUGame", "cooperative", "evolutionary", "incentive", "strategic"]
