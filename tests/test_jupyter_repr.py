"""Every result class with ``to_frame()`` in the pure packages renders as an HTML table in Jupyter.

The list of classes is found, not written: any class added later with ``to_frame`` and
without the :class:`regcoord._display.FrameHTML` mixin fails here.  Real instances are
checked against their own ``to_frame()`` (the cells of the HTML are the frame's cells).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from html import unescape

import numpy as np
import pytest

import regcoord
from regcoord._display import MAX_ROWS, FrameHTML

PURE = (
    "regions",
    "data",
    "measure",
    "games",
    "compensation",
    "transfers",
    "rules",
    "agreements",
    "trading",
    "reform",
    "public_services",
)


def _classes_with_to_frame() -> list[type]:
    found: dict[str, type] = {}
    for pkg in PURE:
        mod = importlib.import_module(f"regcoord.{pkg}")
        names = [mod.__name__]
        if hasattr(mod, "__path__"):
            names += [m.name for m in pkgutil.walk_packages(mod.__path__, f"{mod.__name__}.")]
        for name in names:
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__.startswith("regcoord.") and callable(getattr(cls, "to_frame", None)):
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


CLASSES = _classes_with_to_frame()


def test_the_search_finds_the_result_classes():
    names = {c.__name__ for c in CLASSES}
    assert {"Panel", "InequalityResult", "TUGame", "Trace", "SchemeRun", "BookState"} <= names
    assert len(CLASSES) >= 45


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_class_with_to_frame_has_the_html_repr(cls):
    assert issubclass(cls, FrameHTML)
    assert cls._repr_html_ is FrameHTML._repr_html_


def _cells(html: str) -> list[str]:
    return [unescape(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, flags=re.S)]


def _close(cell: str, v: float) -> bool:
    try:
        return bool(np.isclose(float(cell), v, rtol=1e-5, atol=1e-9, equal_nan=True))
    except ValueError:
        return False


def _instances():
    from regcoord.data import load_panel
    from regcoord.games import TUGame
    from regcoord.games.cooperative import shapley
    from regcoord.measure.convergence import sigma_convergence
    from regcoord.measure.inequality import inequality

    panel = load_panel("mexico")
    m = panel.matrix("pcgdp")
    game = TUGame.from_dict({"A": 0, "B": 0, "A+B": 60})
    return {
        "Panel": panel,
        "InequalityResult": inequality(m.values, years=m.years, regions=m.regions),
        "SigmaResult": sigma_convergence(m.values, years=m.years, regions=m.regions),
        "TUGame": game,
        "Allocation": shapley(game),
    }


@pytest.mark.parametrize("name", ["Panel", "InequalityResult", "SigmaResult", "TUGame", "Allocation"])
def test_real_results_render_their_own_table(name):
    obj = _instances()[name]
    html = obj._repr_html_()
    assert (
        html.startswith('<div class="regcoord"><strong>') and f"<strong>{type(obj).__name__}</strong>" in html
    )
    frame = obj.to_frame()
    cells = _cells(html)
    shown = frame.head(5)  # the first rows are never elided
    for col in shown.columns:
        assert str(col) in cells
        for v in shown[col]:
            if isinstance(v, float | np.floating | int | np.integer) and not isinstance(v, bool):
                assert any(_close(c, float(v)) for c in cells), (col, v)
            else:
                assert str(v) in cells, (col, v)
    if len(frame) > MAX_ROWS:
        assert "..." in cells


def test_shapley_of_the_two_player_game_is_shown():
    # hand calculation: v(A)=v(B)=0, v(AB)=60, symmetric players each get 30
    from regcoord.games import TUGame
    from regcoord.games.cooperative import shapley

    html = shapley(TUGame.from_dict({"A": 0, "B": 0, "A+B": 60}))._repr_html_()
    assert sum(_close(c, 30.0) for c in _cells(html)) == 2


def test_version_unchanged_by_mixin():
    assert isinstance(regcoord.__version__, str)
