"""Display of results in Jupyter: a result with ``to_frame()`` shows as that table.

IPython calls ``_repr_html_`` on the last value of a cell (IPython documentation,
"Rich display": https://ipython.readthedocs.io/en/stable/config/integrating.html).  The
mixin renders :meth:`pandas.DataFrame.to_html` of the result's own ``to_frame()``, so the
notebook shows exactly the numbers ``to_frame()`` returns, headed by the class name.
Pure module: no service, CLI or report imports.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

#: rows and columns shown before pandas elides the middle of a long table
MAX_ROWS = 60
MAX_COLS = 20


class FrameHTML:
    """Mixin for result classes with ``to_frame()``: ``_repr_html_`` shows that table.

    ``__slots__ = ()`` keeps it usable by ``@dataclass(slots=True)`` classes.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        frame: Any = self.to_frame()  # type: ignore[attr-defined]
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        table = frame.to_html(max_rows=MAX_ROWS, max_cols=MAX_COLS, border=0, classes="regcoord-result")
        title = html.escape(type(self).__name__)
        return f'<div class="regcoord"><strong>{title}</strong>{table}</div>'
