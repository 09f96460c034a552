"""The region model: a tree of administrative regions plus overlapping groupings.

The administrative tree follows GB/T 2260 (codes of the administrative divisions of the
People's Republic of China): the nation at the root, provincial-level divisions
(two-digit codes, e.g. ``"11"`` Beijing), prefectures (four digits) and counties (six
digits).  Groupings that are *not* governments — the four plates, strategic regions,
river basins — are held separately as :class:`Grouping` objects; a region may belong to
any number of groupings, and a grouping declared as a partition may hold each region at
most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from regcoord.errors import DataError, NotFound


class Level(IntEnum):
    """Levels of the region hierarchy, from the nation down to counties."""

    NATION = 0
    PLATE = 1
    PROVINCE = 2
    PREFECTURE = 3
    COUNTY = 4

    @classmethod
    def parse(cls, text: str | int | Level) -> Level:
        if isinstance(text, Level):
            return text
        if isinstance(text, int):
            return cls(text)
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(m.name.lower() for m in cls)
            raise DataError(f"unknown level {text!r}", expected=f"one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class Region:
    """One region: its code, bilingual names, level and administrative parent."""

    code: str
    name_zh: str
    name_en: str
    level: Level
    parent: str | None = None
    short_zh: str | None = None
    kind: str | None = None  # e.g. municipality, province, autonomous_region

    def name(self, lang: str = "en") -> str:
        """The region's name in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True, slots=True)
class Group:
    """One group of a grouping, e.g. the plate *East* or the *Yangtze River Delta*."""

    code: str
    name_zh: str
    name_en: str
    members: frozenset[str]
    coverage: str = "full"  # "full" or "partial" (only part of a member region belongs)
    note: str = ""

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Grouping:
    """A named set of groups over regions (plates, strategic regions, basins, ...).

    ``partition=True`` requires every region to be in at most one group (the four plates);
    otherwise groups may overlap (strategic regions: Shanghai is in the Yangtze River
    Delta and in the Yangtze River Economic Belt).
    """

    name: str
    groups: tuple[Group, ...]
    partition: bool = False
    _by_code: Mapping[str, Group] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code: dict[str, Group] = {}
        for g in self.groups:
            if g.code in by_code:
                raise DataError(
                    f"grouping {self.name!r}: group code {g.code!r} appears twice",
                    column="code",
                    expected="unique group codes",
                )
            by_code[g.code] = g
        object.__setattr__(self, "_by_code", by_code)
        if self.partition:
            seen: dict[str, str] = {}
            for g in self.groups:
                for m in sorted(g.members):
                    if m in seen:
                        raise DataError(
                            f"region {m!r} is in two groups of partition {self.name!r}: "
                            f"{seen[m]!r} and {g.code!r}",
                            column="member_codes",
                            expected="each region in at most one group of a partition",
                        )
                    seen[m] = g.code

    def __iter__(self) -> Iterator[Group]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def group(self, code: str) -> Group:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFound(
                f"grouping {self.name!r} has no group {code!r}; known: {', '.join(self._by_code)}"
            ) from None

    def groups_of(self, region: str) -> tuple[Group, ...]:
        """All groups containing ``region`` (at most one for a partition)."""
        return tuple(g for g in self.groups if region in g.members)

    def labels(self, regions: Iterable[str], *, missing: str | None = None) -> list[str]:
        """Group code of each region, for a partition.

        Raises :class:`DataError` for a region in no group unless ``missing`` is given.
        """
        if not self.partition:
            raise DataError(f"grouping {self.name!r} is not a partition; labels need one group per region")
        out: list[str] = []
        for r in regions:
            gs = self.groups_of(r)
            if gs:
                out.append(gs[0].code)
            elif missing is not None:
                out.append(missing)
            else:
                raise DataError(
                    f"region {r!r} belongs to no group of {self.name!r}",
                    expected="every region in one group",
                )
        return out


class RegionTree:
    """A catalogue of regions with parent links and any number of groupings.

    >>> from regcoord.regions import china
    >>> tree = china()
    >>> tree["33"].name_en
    'Zhejiang'
    >>> tree.lowest_common_superior("33", "34").name_en
    'China'
    """

    def __init__(
        self,
        name: str,
        regions: Iterable[Region],
        groupings: Iterable[Grouping] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self._regions: dict[str, Region] = {}
        for r in regions:
            if r.code in self._regions:
                raise DataError(f"region code {r.code!r} appears twice in catalog {name!r}")
            self._regions[r.code] = r
        for r in self._regions.values():
            if r.parent is not None and r.parent not in self._regions:
                raise DataError(f"region {r.code!r} names parent {r.parent!r}, which is not in the catalog")
        self._children: dict[str, list[str]] = {}
        for r in self._regions.values():
            if r.parent is not None:
                self._children.setdefault(r.parent, []).append(r.code)
        self._aliases = dict(aliases or {})
        self._groupings: dict[str, Grouping] = {}
        for g in groupings:
            self.add_grouping(g)

    # -- lookup -------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.resolve(code, strict=False) is not None

    def __getitem__(self, code: str) -> Region:
        resolved = self.resolve(code)
        assert resolved is not None
        return self._regions[resolved]

    def __iter__(self) -> Iterator[Region]:
        return iter(self._regions.values())

    def __len__(self) -> int:
        return len(self._regions)

    def resolve(self, code: str, *, strict: bool = True) -> str | None:
        """The catalog code for ``code`` (accepting aliases such as six-digit adcodes)."""
        c = str(code).strip()
        if c in self._regions:
            return c
        if c in self._aliases:
            return self._aliases[c]
        if strict:
            raise NotFound(f"unknown region code {code!r} in catalog {self.name!r}")
        return None

    def at_level(self, level: Level | str) -> list[Region]:
        lv = Level.parse(level)
        return [r for r in self._regions.values() if r.level == lv]

    def children(self, code: str) -> list[Region]:
        return [self._regions[c] for c in self._children.get(self.resolve(code) or "", [])]

    def ancestors(self, code: str) -> list[Region]:
        """The chain of superiors from the region's parent up to the root."""
        out: list[Region] = []
        cur = self[code].parent
        while cur is not None:
            r = self._regions[cur]
            out.append(r)
            cur = r.parent
        return out

    def lowest_common_superior(self, a: str, *others: str, strict: bool = True) -> Region:
        """The lowest region above all the given regions.

        Two prefectures of one province give the province; two provinces give the nation.
        With ``strict=True`` (the default) the result is never one of the given regions:
        a province and one of its own prefectures give the province's parent, because a
        party cannot be the superior that decides between the parties.  With
        ``strict=False`` the lowest region that contains them all is returned (it may be
        one of them).  Used to route filings and disputes.
        """
        codes = [self[a].code, *(self[o].code for o in others)]
        chains = [[c, *(r.code for r in self.ancestors(c))] for c in codes]
        common = set(chains[0]).intersection(*map(set, chains[1:]))
        for c in chains[0]:
            if c in common:
                if strict and c in codes:
                    parent = self._regions[c].parent
                    if parent is None:
                        raise NotFound(f"{c!r} is the root: no region is above it")
                    return self._regions[parent]
                return self._regions[c]
        raise NotFound(f"regions {', '.join(codes)} have no common superior")

    # -- groupings ------------------------------------------------------------------------
    def add_grouping(self, grouping: Grouping) -> None:
        for g in grouping.groups:
            for m in g.members:
                if m not in self._regions:
                    raise DataError(
                        f"grouping {grouping.name!r}, group {g.code!r}: unknown region {m!r}",
                        column="member_codes",
                        expected=f"codes of catalog {self.name!r}",
                    )
        self._groupings[grouping.name] = grouping

    @property
    def groupings(self) -> Mapping[str, Grouping]:
        return dict(self._groupings)

    def grouping(self, name: str) -> Grouping:
        try:
            return self._groupings[name]
        except KeyError:
            raise NotFound(
                f"catalog {self.name!r} has no grouping {name!r}; known: {', '.join(self._groupings)}"
            ) from None

    def groups_of(self, code: str) -> dict[str, tuple[Group, ...]]:
        """Every group of every grouping that contains the region."""
        c = self[code].code
        out = {}
        for name, g in self._groupings.items():
            gs = g.groups_of(c)
            if gs:
                out[name] = gs
        return out
