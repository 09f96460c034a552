"""Bundled datasets and their sources.

- ``china``: NBS provincial panel (31 provinces): GDP 2010-2023 in three vintages kept
  apart (``gdp`` latest, ``gdp_original_release``, ``gdp_revision_2018census``),
  year-end permanent population 2015-2023, and ``gdp_per_capita`` derived from the
  latest GDP vintage and population (2015-2023).  Files copied from the project's
  ``shared/data`` with their source column; see ``SOURCES.md`` beside them.
- ``mexico`` and ``us_income``: the PySAL example panels shipped by ``libpysal``, read
  through the same reader, so that results can be compared with published analyses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from regcoord.data._panel import Panel
from regcoord.data._readers import panel_from_frame, read_panel
from regcoord.errors import DataError, NotFound
from regcoord.regions import china


@dataclass(frozen=True, slots=True)
class Dataset:
    """A bundled dataset: what it holds, where it comes from, how to cite it."""

    name: str
    title_en: str
    title_zh: str
    description: str
    source: str
    citation: str
    default_value: str
    default_weight: str | None
    default_group: str | None
    loader: Callable[[], Panel]

    def load(self) -> Panel:
        return self.loader()


_CHINA_SOURCE = (
    "National Bureau of Statistics of China, annual data by province (data.stats.gov.cn, "
    "分省年度数据): 地区生产总值 (GDP, 100 million yuan, current prices) and 年末常住人口 "
    "(year-end permanent population, 10,000 persons). Three GDP vintages: latest "
    "(after the 5th economic census, 2023), first release (yearbooks before the 2018 "
    "census), and after the 4th economic census (2018). Each row's `source` column names "
    "the public export it was copied from."
)


@cache
def _china_panel() -> Panel:
    text = resources.files("regcoord.data.bundled").joinpath("china_province_panel.csv")
    with resources.as_file(text) as path:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        panel = panel_from_frame(
            frame, layout="long", region="code", catalog="china", source="regcoord:china_province_panel.csv"
        )
    tree = china()
    plate = tree.grouping("plate")
    codes = panel.regions
    attrs = pd.DataFrame(
        {
            "name_zh": [tree[c].name_zh for c in codes],
            "name_en": [tree[c].name_en for c in codes],
            "plate": plate.labels(codes),
        },
        index=pd.Index(codes, name="region"),
    )
    panel = replace(panel, attributes=attrs)
    # GDP (100 million yuan) / population (10,000 persons) x 1e4 = yuan per person
    return panel.derive_ratio(
        "gdp_per_capita", "gdp", "population", scale=1e4, unit="yuan per person (current prices)"
    )


def _libpysal_path(name: str) -> Path:
    from libpysal import examples

    return Path(examples.get_path(name))


@cache
def _mexico_panel() -> Panel:
    return read_panel(
        _libpysal_path("mexico.csv"),
        layout="wide-year",
        region="State",
        units={"pcgdp": "1995 pesos per person"},
    )


@cache
def _us_panel() -> Panel:
    return read_panel(
        _libpysal_path("usjoin.csv"),
        layout="wide-year",
        region="Name",
        indicator="income_pc",
        units={"income_pc": "current US dollars per person"},
    )


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="china",
            title_en="China provincial panel (NBS): GDP 2010-2023, population 2015-2023",
            title_zh="中国分省面板（国家统计局）：地区生产总值 2010-2023，常住人口 2015-2023",
            description=(
                "31 provincial divisions; indicators gdp (latest vintage), gdp_original_release "
                "(2010-2017), gdp_revision_2018census (2010-2020), population (2015-2023) and "
                "gdp_per_capita = gdp / population (2015-2023, yuan per person). Never mix "
                "GDP vintages in one series. Region attributes: name_zh, name_en, plate."
            ),
            source=_CHINA_SOURCE,
            citation="National Bureau of Statistics of China, National Data (data.stats.gov.cn), 分省年度数据.",
            default_value="gdp_per_capita",
            default_weight="population",
            default_group="plate",
            loader=_china_panel,
        ),
        Dataset(
            name="mexico",
            title_en="Mexican states: per-capita GDP 1940-2000 (PySAL example)",
            title_zh="墨西哥各州人均 GDP 1940-2000（PySAL 示例数据）",
            description=(
                "32 states, per-capita GDP by decade, with the regional partitions hanson03, "
                "hanson98, esquivel99, inegi and inegi2 as region attributes."
            ),
            source="libpysal example 'mexico' (mexico.csv), after Esquivel (1999).",
            citation="Esquivel, G. (1999). Convergencia regional en México, 1940-1995. El Trimestre Económico 66(264), 725-761.",
            default_value="pcgdp",
            default_weight=None,
            default_group="hanson98",
            loader=_mexico_panel,
        ),
        Dataset(
            name="us_income",
            title_en="US states: per-capita income 1929-2009 (PySAL example)",
            title_zh="美国各州人均收入 1929-2009（PySAL 示例数据）",
            description="48 contiguous states, per-capita personal income, with FIPS codes as an attribute.",
            source="libpysal example 'us_income' (usjoin.csv), from the US Bureau of Economic Analysis.",
            citation="US Bureau of Economic Analysis, State Personal Income; via PySAL (libpysal.examples).",
            default_value="income_pc",
            default_weight=None,
            default_group=None,
            loader=_us_panel,
        ),
    )
}


def list_datasets() -> list[Dataset]:
    return list(DATASETS.values())


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(DATASETS), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise NotFound(f"no bundled dataset {name!r}{hint}; known: {', '.join(DATASETS)}") from None


def load(name: str) -> Panel:
    """Load a bundled dataset as a :class:`Panel`."""
    return get_dataset(name).load()


def load_panel(source: str | Path, **kwargs: object) -> Panel:
    """A bundled dataset by name, or a file path read with :func:`read_panel`."""
    if isinstance(source, str) and source in DATASETS:
        return load(source)
    if not Path(source).exists():
        import difflib

        close = difflib.get_close_matches(str(source), list(DATASETS), n=1, cutoff=0.6)
        if close:
            raise DataError(
                f"no file or bundled dataset named {str(source)!r}; did you mean {close[0]!r}?",
                expected=f"a file path or one of the datasets {', '.join(DATASETS)}",
            )
        if not Path(source).suffix:
            raise DataError(
                f"no file or bundled dataset named {str(source)!r}",
                expected=f"a file path or one of the datasets {', '.join(DATASETS)}",
            )
    return read_panel(source, **kwargs)  # type: ignore[arg-type]
