"""Agreement templates: "standardized + personalized" texts (seed 003 §5.2.1).

Seed 003 §5.2.1: templates for high-frequency cooperation areas "such as energy supply
security and ecological compensation ... must include price linkage mechanisms,
risk-sharing clauses, and clear methods for determining liability for breach of contract
and calculating compensation". A template is a function of the parties' parameters
returning an :class:`Instrument` whose clauses carry quantified obligations; no number
is built in except the published terms of a dated rule set (the relocated-enterprise
split of 财预〔2015〕92号 is read from ``rules/params/bth_relocation_tax.yaml`` on the
agreement's start date).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from regcoord.agreements._model import (
    BreachTerms,
    Clause,
    Comparator,
    CompensationTerm,
    DamagesFormula,
    Instrument,
    InstrumentKind,
    Obligation,
    to_decimal,
)
from regcoord.errors import DataError


@dataclass(frozen=True)
class TemplateParam:
    name: str
    kind: str  # region | fen | decimal | date | text
    label_en: str
    label_zh: str
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "label_en": self.label_en,
            "label_zh": self.label_zh,
            "required": self.required,
        }


@dataclass(frozen=True)
class Template:
    key: str
    title_en: str
    title_zh: str
    kind: InstrumentKind
    params: tuple[TemplateParam, ...]
    build: Callable[[Mapping[str, Any]], Instrument]
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "kind": self.kind.value,
            "params": [p.to_dict() for p in self.params],
            "source": self.source,
        }


def _get(p: Mapping[str, Any], spec: TemplateParam) -> Any:
    v = p.get(spec.name)
    if v is None or (isinstance(v, str) and not v.strip()):
        if spec.required:
            raise DataError(
                f"template parameter {spec.name!r} is missing",
                column=f"params.{spec.name}",
                expected=f"{spec.kind}: {spec.label_en}",
            )
        return None
    if spec.kind == "region":
        from regcoord.regions import china

        code = china().resolve(str(v), strict=False)
        if code is None:
            raise DataError(
                f"unknown region {v!r}", column=f"params.{spec.name}", expected="a region code such as '33'"
            )
        return code
    if spec.kind == "fen":
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise DataError(
                f"{spec.name} must be a non-negative integer of fen", column=f"params.{spec.name}"
            )
        return v
    if spec.kind == "decimal":
        try:
            return to_decimal(v, field_name=spec.name)
        except DataError as exc:
            raise DataError(exc.problem, column=f"params.{spec.name}", expected="a number") from None
    if spec.kind == "date":
        try:
            return v if isinstance(v, date) else date.fromisoformat(str(v))
        except ValueError:
            raise DataError(
                f"{spec.name} is not a date", column=f"params.{spec.name}", expected="YYYY-MM-DD"
            ) from None
    return str(v).strip()


def _zh(code: str) -> str:
    from regcoord.regions import china

    return china()[code].name_zh


def _en(code: str) -> str:
    from regcoord.regions import china

    return china()[code].name_en


def _params(p: Mapping[str, Any], specs: tuple[TemplateParam, ...]) -> dict[str, Any]:
    unknown = set(p) - {s.name for s in specs}
    if unknown:
        raise DataError(
            f"unknown template parameter(s) {sorted(unknown)}",
            column="params",
            expected=", ".join(s.name for s in specs),
        )
    return {s.name: _get(p, s) for s in specs}


_WQ = (
    TemplateParam("upstream", "region", "Upstream region", "上游地区"),
    TemplateParam("downstream", "region", "Downstream region", "下游地区"),
    TemplateParam("section", "text", "Assessed border section", "考核断面"),
    TemplateParam("amount_fen", "fen", "Annual payment either way (fen)", "年度补偿金额（分）"),
    TemplateParam("first_deadline", "date", "End of the first assessed year", "首个考核年度截止日"),
    TemplateParam("evidence", "text", "Evidence of the P value", "P值证明材料"),
)


def _water_quality(raw: Mapping[str, Any]) -> Instrument:
    """Bidirectional compensation on the assessment index P (Xin'an type; P <= 1 meets the standard)."""
    p = _params(raw, _WQ)
    up, down, amt = p["upstream"], p["downstream"], p["amount_fen"]
    yuan = Decimal(amt) / 100
    clause = Clause(
        "1",
        f"以{p['section']}断面年度水质考核指数P评价：P不高于1的，{_zh(down)}向{_zh(up)}支付{yuan}元；P高于1的，"
        f"{_zh(up)}向{_zh(down)}支付{yuan}元。 If the annual index P at {p['section']} is at most 1, {_en(down)} pays "
        f"{_en(up)} {yuan} yuan; otherwise {_en(up)} pays {_en(down)} {yuan} yuan.",
        obligation=Obligation(
            up,
            f"water-quality assessment index P at {p['section']}",
            Decimal(1),
            "1",
            p["first_deadline"],
            p["evidence"],
            comparator=Comparator.AT_MOST,
        ),
        compensation=CompensationTerm(
            "met", down, up, amt, "template eco_compensation_water_quality", otherwise_fen=amt
        ),
    )
    return Instrument(
        InstrumentKind.AGREEMENT,
        f"{_zh(up)}—{_zh(down)}水质生态补偿协议 / {_en(up)}-{_en(down)} water-quality compensation",
        (up, down),
        (clause,),
    )


_TAX = (
    TemplateParam("origin", "region", "Origin region (moves the firm out)", "迁出地"),
    TemplateParam("destination", "region", "Destination region", "迁入地"),
    TemplateParam("start", "date", "Agreement start (selects the rule set's values)", "协议起始日"),
    TemplateParam("first_deadline", "date", "End of the first sharing year", "首个分享年度截止日"),
    TemplateParam(
        "damages_per_share_point_fen",
        "fen",
        "Damages per 0.01 share shortfall (fen)",
        "每少分享1个百分点的违约金（分）",
        required=False,
    ),
)


def _tax_sharing(raw: Mapping[str, Any]) -> Instrument:
    """Relocated-enterprise tax sharing with the published split of 财预〔2015〕92号 on the start date."""
    from regcoord.rules import load_rule_set

    p = _params(raw, _TAX)
    snap = load_rule_set("bth_relocation_tax").at(p["start"])
    share = Decimal(str(snap["origin_share"]))
    years, ext = snap["sharing_years"], snap["extension_years"]
    breach = None
    if p["damages_per_share_point_fen"] is not None:
        breach = BreachTerms(
            damages=DamagesFormula(per_unit_fen=p["damages_per_share_point_fen"] * 100),
            beneficiary=p["origin"],
        )
    c1 = Clause(
        "1",
        f"迁移企业达产后{years}年内缴纳的增值税、企业所得税、营业税地方分享部分，{_zh(p['destination'])}按{share}的比例"
        f"分享给{_zh(p['origin'])}；迁出地累计分享额以企业迁移前三年缴纳的三税为上限，未达上限的延长{ext}年。"
        f" For {years} years after full production {_en(p['destination'])} transfers a {share} share of the three "
        f"taxes' local part to {_en(p['origin'])}, capped at the three taxes paid in the three years before moving; extended "
        f"{ext} years if the cap is not reached (财预〔2015〕92号).",
        obligation=Obligation(
            p["destination"],
            "share of the three taxes' local part transferred to the origin",
            share,
            "share",
            p["first_deadline"],
            "tax records of the relocated enterprise certified by both finance departments",
        ),
        breach=breach,
    )
    return Instrument(
        InstrumentKind.AGREEMENT,
        f"{_zh(p['origin'])}—{_zh(p['destination'])}产业转移企业税收分享 / {_en(p['origin'])}-{_en(p['destination'])} relocated-enterprise tax sharing",
        (p["origin"], p["destination"]),
        (c1,),
        effective_from=p["start"],
    )


_ENERGY = (
    TemplateParam("supplier", "region", "Supplying region", "供应方"),
    TemplateParam("buyer", "region", "Buying region", "受供方"),
    TemplateParam("volume", "decimal", "Volume per year", "年供应量"),
    TemplateParam("unit", "text", "Unit of the volume (e.g. GWh, 10k t coal)", "计量单位"),
    TemplateParam("base_price_fen", "fen", "Base price per unit (fen)", "基准价格（分/单位）"),
    TemplateParam("index_name", "text", "Price index the price is linked to", "挂钩价格指数"),
    TemplateParam(
        "band_percent", "decimal", "Cost band beyond which risk is shared (%)", "风险分担触发幅度（%）"
    ),
    TemplateParam(
        "buyer_risk_share", "decimal", "Buyer's share of cost beyond the band (0-1)", "受供方分担比例"
    ),
    TemplateParam("first_deadline", "date", "End of the first supply year", "首个供应年度截止日"),
    TemplateParam(
        "shortfall_damages_fen", "fen", "Damages per unit not supplied (fen)", "每单位缺供违约金（分）"
    ),
)


def _energy(raw: Mapping[str, Any]) -> Instrument:
    """Energy supply with price linkage, risk sharing and damages (seed 003 §5.2.1)."""
    p = _params(raw, _ENERGY)
    share = p["buyer_risk_share"]
    if not (0 <= share <= 1):
        raise DataError("buyer_risk_share must be between 0 and 1", column="params.buyer_risk_share")
    s, b, u = p["supplier"], p["buyer"], p["unit"]
    c1 = Clause(
        "1",
        f"{_zh(s)}每年向{_zh(b)}供应不少于{p['volume']}{u}。{_en(s)} supplies at least {p['volume']} {u} a year to "
        f"{_en(b)}.",
        obligation=Obligation(
            s,
            f"volume supplied to {b}",
            p["volume"],
            u,
            p["first_deadline"],
            "metered delivery records certified by both parties",
        ),
        breach=BreachTerms(
            damages=DamagesFormula(per_unit_fen=p["shortfall_damages_fen"]),
            beneficiary=b,
            reputation_notice=True,
        ),
    )
    c2 = Clause(
        "2",
        f"价格联动：结算价格 = {p['base_price_fen']}分/{u} × (当期{p['index_name']} / 基期{p['index_name']})。"
        f" Price linkage: price = {p['base_price_fen']} fen per {u} x (current {p['index_name']} / base-period "
        f"{p['index_name']}).",
    )
    c3 = Clause(
        "3",
        f"风险分担：成本变动超过±{p['band_percent']}%的部分，由{_zh(b)}承担{share}、{_zh(s)}承担{1 - share}。"
        f" Risk sharing: cost changes beyond +/-{p['band_percent']}% are borne {share} by {_en(b)} and {1 - share} "
        f"by {_en(s)}.",
    )
    return Instrument(
        InstrumentKind.AGREEMENT,
        f"{_zh(s)}—{_zh(b)}能源保供与价格联动协议 / {_en(s)}-{_en(b)} energy supply with price linkage",
        (s, b),
        (c1, c2, c3),
    )


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "eco_compensation_water_quality",
            "Ecological compensation by water quality (Xin'an type)",
            "流域水质生态补偿（新安江模式）",
            InstrumentKind.AGREEMENT,
            _WQ,
            _water_quality,
            "Xin'an River round-1 terms, domain/compensation-and-transfers.md §1",
        ),
        Template(
            "relocated_enterprise_tax_sharing",
            "Relocated-enterprise tax sharing (财预〔2015〕92号)",
            "产业转移企业税收分享（财预〔2015〕92号）",
            InstrumentKind.AGREEMENT,
            _TAX,
            _tax_sharing,
            "rules/params/bth_relocation_tax.yaml",
        ),
        Template(
            "energy_supply_price_linkage",
            "Energy supply with price linkage",
            "能源保供与价格联动",
            InstrumentKind.AGREEMENT,
            _ENERGY,
            _energy,
            "seed 003 §5.2.1 (template requirements)",
        ),
    )
}


def instantiate(key: str, params: Mapping[str, Any]) -> Instrument:
    """Build the instrument of template ``key`` from the parties' parameters."""
    try:
        t = TEMPLATES[key]
    except KeyError:
        raise DataError(
            f"unknown template {key!r}", column="template", expected=", ".join(TEMPLATES)
        ) from None
    return t.build(params)
