"""Database models, engine and repositories of the service."""

from regcoord.service.db import auth_models as _auth_models  # noqa: F401  (registers its tables on Base)
from regcoord.service.db import credit_models as _credit_models  # noqa: F401  (registers its table on Base)
from regcoord.service.db import reform_models as _reform_models  # noqa: F401  (reform workbench tables)
from regcoord.service.db import scale_models as _scale_models  # noqa: F401  (registers its tables on Base)
from regcoord.service.db import trading_models as _trading_models  # noqa: F401  (registers its tables on Base)
from regcoord.service.db.engine import is_sqlite, make_engine, make_sessionmaker
from regcoord.service.db.models import Base

__all__ = ["Base", "is_sqlite", "make_engine", "make_sessionmaker"]
