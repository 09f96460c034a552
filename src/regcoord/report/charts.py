"""Charts as inline SVG strings (matplotlib figures without pyplot, text kept as text).

Every function returns one ``<svg>`` element, without the XML prologue, ready to be
placed in an HTML page.  Text is written as ``<text>`` (``svg.fonttype = 'none'``) with a
font list that starts with common Chinese fonts, so that Chinese labels are drawn by the
reader's browser with whatever CJK font it has; nothing is embedded or fetched.
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from numpy.typing import ArrayLike

from regcoord.errors import DataError

__all__ = ["bar", "choropleth", "figure_svg", "line", "lorenz"]

#: fonts named in the SVG, in order: the browser uses the first one it has.
FONT_FAMILY = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
    "sans-serif",
]

_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "regcoord",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        # the machine drawing the chart may lack CJK fonts; the browser has them
        warnings.filterwarnings("ignore", message=r".*Glyph .* missing from.*")
        warnings.filterwarnings("ignore", message=r".*findfont.*")
        yield


def figure_svg(fig: Figure, *, tight: bool = True) -> str:
    """Render a matplotlib figure as an inline ``<svg>`` string and close it.

    ``tight`` crops the figure to its drawn content (one extra layout pass); the charts
    of this module set their margins themselves and skip it.
    """
    buf = io.StringIO()
    with _style():
        fig.savefig(
            buf,
            format="svg",
            bbox_inches="tight" if tight else None,
            metadata={"Date": None, "Creator": None},
        )
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # a figure made with pyplot: release it from pyplot's registry
        pyplot.close(fig)
    text = _METADATA.sub("", _COMMENT.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1)))
    return text.strip()


def _new(
    figsize: tuple[float, float] = (7.0, 3.8),
    margins: tuple[float, float, float, float] = (0.1, 0.13, 0.97, 0.9),
) -> tuple[Figure, Any]:
    """A figure with fixed margins (left, bottom, right, top as figure fractions)."""
    with _style():
        # a bare Figure (no pyplot): no global registry, nothing to close, a faster import
        fig = Figure(figsize=figsize)
        ax = fig.subplots()
        left, bottom, right, top = margins
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    return fig, ax


def _finish(fig: Figure, ax: Any, title: str, xlabel: str = "", ylabel: str = "") -> str:
    with _style():
        if title:
            ax.set_title(title)
        if xlabel:
            ax.set_xlabel(xlabel)
        if ylabel:
            ax.set_ylabel(ylabel)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8)
    return figure_svg(fig, tight=False)


def _floats(values: ArrayLike, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} are not numbers: {exc}", expected="a sequence of numbers") from None


def line(
    x: Sequence[Any],
    series: Mapping[str, ArrayLike],
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    colors: Sequence[str] | None = None,
) -> str:
    """A line chart: one line per entry of ``series`` (label -> y values aligned with ``x``).

    ``colors`` (one per series, any matplotlib colour) overrides the default cycle, e.g. so
    that a "red" warning level is drawn in red.
    """
    xs = list(x)
    if colors is not None and len(colors) != len(series):
        raise DataError(f"{len(colors)} colours for {len(series)} series", expected="one colour per series")
    fig, ax = _new()
    with _style():
        for k, (label, ys) in enumerate(series.items()):
            y = _floats(ys, f"values of {label!r}")
            if len(y) != len(xs):
                raise DataError(
                    f"series {label!r} has {len(y)} values for {len(xs)} x positions",
                    expected="one value per x position",
                )
            color = colors[k] if colors is not None else None
            ax.plot(xs, y, marker="o", markersize=3, linewidth=1.5, label=str(label), color=color)
        if xs and all(isinstance(v, int | np.integer) for v in xs):
            ax.xaxis.get_major_locator().set_params(integer=True)
    return _finish(fig, ax, title, xlabel, ylabel)


def bar(
    labels: Sequence[str],
    values_or_dict: ArrayLike | Mapping[str, ArrayLike],
    *,
    title: str = "",
    ylabel: str = "",
) -> str:
    """A bar chart; a mapping (series label -> values) gives grouped bars."""
    names = [str(v) for v in labels]
    series = (
        {str(k): _floats(v, f"values of {k!r}") for k, v in values_or_dict.items()}
        if isinstance(values_or_dict, Mapping)
        else {"": _floats(values_or_dict, "bar values")}
    )
    for k, v in series.items():
        if len(v) != len(names):
            raise DataError(
                f"bar series {k or 'values'!r} has {len(v)} values for {len(names)} labels",
                expected="one value per label",
            )
    width = max(6.0, min(14.0, 0.32 * len(names) * max(1, len(series)) + 2.0))
    fig, ax = _new((width, 4.2), (0.08, 0.3 if len(names) > 8 else 0.12, 0.98, 0.9))
    pos = np.arange(len(names))
    step = 0.8 / len(series)
    with _style():
        for j, (k, v) in enumerate(series.items()):
            ax.bar(pos - 0.4 + step * (j + 0.5), v, width=step, label=k or None)
        ax.set_xticks(pos)
        ax.set_xticklabels(
            names, rotation=60 if len(names) > 8 else 0, ha="right" if len(names) > 8 else "center"
        )
        ax.grid(axis="x", visible=False)
    return _finish(fig, ax, title, "", ylabel)


def lorenz_points(values: ArrayLike, weights: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve coordinates: cumulative population share vs. cumulative value share.

    Regions sorted by ``x_i`` ascending; L(P_k) = sum_{i<=k} p_i x_i / sum_i p_i x_i at
    P_k = sum_{i<=k} p_i (Lorenz 1905), starting at (0, 0).
    """
    x = _floats(values, "Lorenz values")
    p = np.ones_like(x) if weights is None else _floats(weights, "Lorenz weights")
    if len(p) != len(x):
        raise DataError(f"{len(p)} weights for {len(x)} values", expected="one weight per value")
    if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(p < 0) or p.sum() <= 0 or (p * x).sum() <= 0:
        raise DataError("a Lorenz curve needs finite non-negative values and weights with positive totals")
    order = np.argsort(x, kind="stable")
    share_p = np.concatenate([[0.0], np.cumsum(p[order]) / p.sum()])
    share_x = np.concatenate([[0.0], np.cumsum((p * x)[order]) / (p * x).sum()])
    return share_p, share_x


def lorenz(
    curves: Mapping[str, tuple[ArrayLike, ArrayLike | None]],
    *,
    title: str = "",
    xlabel: str = "cumulative population share",
    ylabel: str = "cumulative value share",
) -> str:
    """Lorenz curves, one per entry (label -> (values, weights or None)), with the equality line."""
    fig, ax = _new((5.0, 4.8), (0.14, 0.12, 0.96, 0.92))
    with _style():
        ax.plot([0, 1], [0, 1], color="#888888", linewidth=1, linestyle="--")
        for label, (vals, wts) in curves.items():
            px, py = lorenz_points(vals, wts)
            ax.plot(px, py, linewidth=1.6, label=str(label))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
    return _finish(fig, ax, title, xlabel, ylabel)


# -- maps ------------------------------------------------------------------------------------


def _geo(obj: Any) -> dict[str, Any]:
    gi = getattr(obj, "__geo_interface__", None)
    if gi is not None:
        return dict(gi)
    if isinstance(obj, Mapping):
        return dict(obj)
    raise DataError(
        f"not a geometry: {type(obj).__name__}",
        expected="a GeoJSON mapping or an object with __geo_interface__",
    )


def _features(source: Any, code_field: str) -> dict[str, dict[str, Any]]:
    """Geometries keyed by code from a GeoJSON FeatureCollection, a GeoDataFrame or a mapping."""
    if isinstance(source, Mapping) and source.get("type") != "FeatureCollection":
        return {str(k): _geo(g) for k, g in source.items()}
    gi = _geo(source)
    if gi.get("type") != "FeatureCollection":
        raise DataError("map geometries must be a FeatureCollection or a mapping code -> geometry")
    out: dict[str, dict[str, Any]] = {}
    for i, feat in enumerate(gi.get("features", [])):
        props = feat.get("properties") or {}
        code = props.get(code_field, feat.get("id"))
        if code is None:
            raise DataError(
                f"feature {i} has no {code_field!r} property", expected="a region code per feature"
            )
        code_text = str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)
        out[code_text] = dict(feat["geometry"])
    return out


def _rings(geometry: Mapping[str, Any]) -> list[list[np.ndarray]]:
    """Polygons of a GeoJSON geometry as lists of rings (exterior first)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        return [[np.asarray(r, dtype=float)[:, :2] for r in coords]]  # type: ignore[union-attr]
    if kind == "MultiPolygon":
        return [[np.asarray(r, dtype=float)[:, :2] for r in poly] for poly in coords]  # type: ignore[union-attr]
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _rings(g)]
    return []


def _polygon_path(rings: list[np.ndarray]) -> MplPath:
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for r in rings:
        if len(r) < 3:
            continue
        c = np.full(len(r), MplPath.LINETO, dtype=np.uint8)
        c[0] = MplPath.MOVETO
        verts.append(r)
        codes.append(c)
        verts.append(r[:1])
        codes.append(np.array([MplPath.CLOSEPOLY], dtype=np.uint8))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def choropleth(
    geo_frame_or_geojson: Any,
    values_by_code: Mapping[str, float],
    *,
    title: str = "",
    legend_label: str = "",
    code_field: str = "code",
    cmap: str = "YlOrRd",
    missing_label: str = "no data / 无数据",
) -> str:
    """A choropleth map in longitude/latitude (equirectangular, aspect corrected at mid-latitude).

    ``geo_frame_or_geojson`` is a mapping code -> geometry (GeoJSON mappings or shapely
    geometries), a GeoJSON FeatureCollection whose features carry ``code_field``, or a
    GeoDataFrame (anything with ``__geo_interface__``).  Units without a value are grey.
    """
    geoms = _features(geo_frame_or_geojson, code_field)
    if not geoms:
        raise DataError("no geometries to draw", expected="at least one region geometry")
    vals = {str(k): float(v) for k, v in values_by_code.items() if v is not None and np.isfinite(float(v))}
    known = np.array([vals[c] for c in geoms if c in vals], dtype=float)
    norm = Normalize(vmin=float(known.min()), vmax=float(known.max())) if known.size else Normalize(0, 1)
    colormap = matplotlib.colormaps[cmap]
    patches: list[PathPatch] = []
    colors: list[Any] = []
    lat_all: list[float] = []
    for code, geom in geoms.items():
        for poly in _rings(geom):
            if not poly:
                continue
            patches.append(PathPatch(_polygon_path(poly)))
            colors.append(colormap(norm(vals[code])) if code in vals else (0.85, 0.85, 0.85, 1.0))
            lat_all.extend(poly[0][:, 1].tolist())
    fig, ax = _new((7.5, 6.0), (0.02, 0.02, 0.98, 0.93))
    with _style():
        coll = PatchCollection(patches, facecolors=colors, edgecolors="#ffffff", linewidths=0.4)
        ax.add_collection(coll)
        ax.autoscale_view()
        mid = float(np.mean([min(lat_all), max(lat_all)])) if lat_all else 0.0
        ax.set_aspect(1.0 / max(np.cos(np.deg2rad(mid)), 0.1))
        ax.set_axis_off()
        if known.size:
            sm = ScalarMappable(norm=norm, cmap=colormap)
            cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02)
            if legend_label:
                cb.set_label(legend_label)
        if len(known) < len(geoms):
            ax.text(0.01, 0.01, f"■ {missing_label}", color="#aaaaaa", transform=ax.transAxes, fontsize=8)
    return _finish(fig, ax, title)


def category_map(
    geo_frame_or_geojson: Any,
    category_by_code: Mapping[str, str],
    *,
    colors: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    title: str = "",
    code_field: str = "code",
    missing_label: str = "no data / 无数据",
) -> str:
    """A map with one colour per category (e.g. LISA clusters), legend in ``colors`` order.

    Geometries as for :func:`choropleth`; a unit without a category is grey; a category
    without a colour is an error.
    """
    geoms = _features(geo_frame_or_geojson, code_field)
    if not geoms:
        raise DataError("no geometries to draw", expected="at least one region geometry")
    unknown = sorted({str(c) for c in category_by_code.values()} - set(colors))
    if unknown:
        raise DataError(f"map category {unknown[0]!r} has no colour", expected=", ".join(colors))
    patches: list[PathPatch] = []
    face: list[Any] = []
    lat_all: list[float] = []
    for code, geom in geoms.items():
        cat = category_by_code.get(code)
        for poly in _rings(geom):
            if not poly:
                continue
            patches.append(PathPatch(_polygon_path(poly)))
            face.append(colors[str(cat)] if cat is not None else (0.85, 0.85, 0.85, 1.0))
            lat_all.extend(poly[0][:, 1].tolist())
    fig, ax = _new((7.5, 6.0), (0.02, 0.02, 0.98, 0.93))
    with _style():
        ax.add_collection(PatchCollection(patches, facecolors=face, edgecolors="#ffffff", linewidths=0.4))
        ax.autoscale_view()
        mid = float(np.mean([min(lat_all), max(lat_all)])) if lat_all else 0.0
        ax.set_aspect(1.0 / max(np.cos(np.deg2rad(mid)), 0.1))
        ax.set_axis_off()
        present = {str(c) for c in category_by_code.values()}
        for cat, color in colors.items():
            if cat in present:
                ax.fill([], [], color=color, label=(labels or {}).get(cat, cat))
        if any(c not in category_by_code for c in geoms):
            ax.fill([], [], color=(0.85, 0.85, 0.85, 1.0), label=missing_label)
    return _finish(fig, ax, title)
