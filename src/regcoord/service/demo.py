"""Demo data for ``regcoord serve --demo``: users for each role and real example instruments.

- Xin'an River Anhui-Zhejiang water-quality compensation, round 1 (2012-2014), with its
  published terms [V] (domain/compensation-and-transfers.md §1; rules/params/xinan_river.yaml):
  fund 500 million yuan a year (central 300 million, Zhejiang 100 million, Anhui 100
  million); if the water quality at the Jiekou section meets the standard Zhejiang pays
  Anhui 100 million, otherwise Anhui pays Zhejiang 100 million — agreed compensation both
  ways (补偿), not a breach (违约) of Anhui's. Carried through
  consultation, signature, filing and approval: in force.
- Beijing-Tianjin-Hebei relocated-enterprise tax sharing (财预〔2015〕92号) [V] (§5): 50:50
  split of the local shares of the three taxes for three years, capped at the three taxes
  paid in the three years before moving, extended two years if the cap is not reached.
  The published text states no breach terms, so the automatic review flags it: it is
  left *under review* for the reviewer to return.
- East-west pairing Fujian-Ningxia (闽宁协作, since 1996): a draft pairing programme; its
  target values are illustrative and marked ``verified: false`` in the summary.

No KPI values are loaded: regcoord does not invent measurements.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regcoord.service.auth import principal_of
from regcoord.service.db import models as m
from regcoord.service.usecases import Ctx, actors, consultations, instruments
from regcoord.service.usecases._context import region_tree, system_principal

#: password of every demo user (demo databases only)
DEMO_PASSWORD = "regcoord-demo"
XINAN_SOURCE = "Xinhua via http://m.zztianrui.cn/news/guonei/373943.html (round 1 terms) [V]"
BTH_SOURCE = "财预〔2015〕92号, http://news.hebei.com.cn/system/2015/06/24/015783546.shtml [V]"

#: (username, role, region, actor name en, actor name zh, actor kind)
USERS: tuple[tuple[str, str, str | None, str, str, str], ...] = (
    ("admin", "admin", None, "", "", ""),
    ("reviewer-cn", "reviewer", "CN", "State Council coordination office", "国务院区域协调办公室", "central"),
    ("officer-zj", "officer", "33", "Zhejiang Provincial Government", "浙江省人民政府", "local"),
    ("officer-ah", "officer", "34", "Anhui Provincial Government", "安徽省人民政府", "local"),
    ("officer-bj", "officer", "11", "Beijing Municipal Government", "北京市人民政府", "local"),
    ("officer-tj", "officer", "12", "Tianjin Municipal Government", "天津市人民政府", "local"),
    ("officer-hb", "officer", "13", "Hebei Provincial Government", "河北省人民政府", "local"),
    ("officer-fj", "officer", "35", "Fujian Provincial Government", "福建省人民政府", "local"),
    (
        "officer-nx",
        "officer",
        "64",
        "Ningxia Hui Autonomous Region Government",
        "宁夏回族自治区人民政府",
        "local",
    ),
    (
        "enterprise-zj",
        "participant",
        "33",
        "Hangzhou water utility (demo)",
        "杭州供水企业（示例）",
        "enterprise",
    ),
    (
        "ngo-ah",
        "participant",
        "34",
        "Huangshan environmental association (demo)",
        "黄山环保协会（示例）",
        "ngo",
    ),
    ("resident-ah", "participant", "34", "Resident of Shexian (demo)", "歙县居民（示例）", "resident"),
    (
        "evaluator",
        "participant",
        "11",
        "Third-party evaluation institute (demo)",
        "第三方评估机构（示例）",
        "evaluator",
    ),
    ("public", "public", None, "", "", ""),
)


def _ctx(session: Session, user: m.User | None, now: datetime) -> Ctx:
    p = system_principal() if user is None else principal_of(user)
    return Ctx(session=session, principal=p, now=now, tree=region_tree())


def load_demo(sessions: sessionmaker[Session], *, now: datetime | None = None) -> dict[str, Any]:
    """Create the demo users and instruments (idempotent: does nothing if 'admin' exists)."""
    now = now or datetime.now(UTC)
    with sessions() as s:
        if s.scalar(select(m.User.id).where(m.User.username == "admin")) is not None:
            return {"loaded": False}
        sysctx = _ctx(s, None, now)
        users: dict[str, m.User] = {}
        for username, role, region, name_en, name_zh, kind in USERS:
            actor_id = None
            if kind:
                actor_id = actors.create_actor(
                    sysctx, name=name_en, name_zh=name_zh, kind=kind, region_code=region or "CN"
                ).id
            users[username] = actors.create_user(
                sysctx,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                region_code=region,
                actor_id=actor_id,
            )
        s.commit()

        def as_(name: str) -> Ctx:
            return _ctx(s, users[name], now)

        xinan = _xinan(s, as_, now)
        bth = _bth(s, as_, now)
        pairing = _pairing(as_)
        s.commit()
        return {
            "loaded": True,
            "users": [u[0] for u in USERS],
            "password": DEMO_PASSWORD,
            "instruments": [xinan, bth, pairing],
        }


def _xinan(s: Session, as_: Callable[[str], Ctx], now: datetime) -> int:
    inst = instruments.create_instrument(
        as_("officer-zj"),
        kind="agreement",
        template="eco_compensation_water_quality",
        title="新安江流域水环境补偿协议（首轮 2012-2014）/ Xin'an River water-environment compensation agreement, round 1",
        parties=["33", "34"],
        effective_from=date(2012, 1, 1),
        expires_on=date(2014, 12, 31),
        summary=f"Published terms of round 1. Source: {XINAN_SOURCE}",
        clauses=[
            {
                "number": "1",
                "text": "中央财政每年安排3亿元，浙江省、安徽省每年各出资1亿元，设立新安江流域水环境补偿资金（年度5亿元）。"
                "The central government provides 300 million yuan a year and Zhejiang and Anhui 100 million each.",
            },
            {
                "number": "2",
                "text": "以街口断面年度水质考核：达到考核标准（P值不高于1）的，浙江省拨付安徽省1亿元；"
                "未达到的，安徽省拨付浙江省1亿元。If the annual water quality at Jiekou meets the standard "
                "(P <= 1) Zhejiang pays Anhui 100 million yuan; otherwise Anhui pays Zhejiang 100 million yuan.",
                "obligation": {
                    "obligor": "34",
                    "metric": "water-quality assessment index P at the Jiekou section",
                    "target": "1",
                    "comparator": "<=",
                    "unit": "1",
                    "deadline": date(2012, 12, 31),
                    "evidence": "annual monitoring of the Jiekou provincial-border section, jointly certified",
                    "period_months": 12,
                },
                # agreed compensation both ways (补偿, not 违约): P <= 1 Zhejiang pays Anhui,
                # P > 1 Anhui pays Zhejiang; the published terms state no due date
                "compensation": {
                    "when": "met",
                    "payer": "33",
                    "payee": "34",
                    "amount_fen": 10_000_000_000,
                    "otherwise_fen": 10_000_000_000,
                    "source": XINAN_SOURCE,
                },
            },
        ],
    )
    cons = instruments.open_consultation(as_("officer-zj"), inst.id, closes_at=now + timedelta(days=30))
    for user, text in (
        ("enterprise-zj", "建议公开街口断面月度监测数据。Publish the monthly Jiekou monitoring data."),
        (
            "ngo-ah",
            "建议明确上游农业面源治理的资金比例。Earmark a share for upstream non-point pollution control.",
        ),
        ("resident-ah", "希望补偿资金用于库区生态移民。Use part of the fund for resettlement."),
    ):
        sub = consultations.submit(as_(user), cons.id, text=text, clause_number="2")
        consultations.answer(
            as_("officer-zj"), sub.id, text="已研究，纳入实施方案。Considered in the implementation plan."
        )
    instruments.close_consultation(as_("officer-zj"), inst.id)
    instruments.sign(as_("officer-zj"), inst.id)
    instruments.sign(as_("officer-ah"), inst.id)
    instruments.file(as_("officer-zj"), inst.id)
    instruments.start_review(as_("reviewer-cn"), inst.id)
    instruments.decide_review(as_("reviewer-cn"), inst.id, approve=True, reasons="符合要求 / compliant")
    s.flush()
    return inst.id


def _bth(s: Session, as_: Callable[[str], Ctx], now: datetime) -> int:
    inst = instruments.create_instrument(
        as_("officer-bj"),
        kind="agreement",
        template="relocated_enterprise_tax_sharing",
        title="京津冀产业转移对接企业税收收入分享协议（财预〔2015〕92号）/ BTH relocated-enterprise tax sharing",
        parties=["11", "13"],
        summary=f"Terms of 财预〔2015〕92号. Source: {BTH_SOURCE}. The published text states no breach terms.",
        clauses=[
            {
                "number": "1",
                "text": "适用企业：由迁出地政府主导迁移、符合迁入地产业布局，且迁移前三年年均缴纳增值税、企业所得税、"
                "营业税三税不低于2000万元。Eligible: relocation led by the origin government, and at least "
                "20 million yuan a year of the three taxes in the three years before moving.",
            },
            {
                "number": "2",
                "text": "迁移企业完成变更登记并达产后三年内缴纳的三税地方分享部分，由迁入地与迁出地按50%:50%分享；"
                "迁出地累计分享额以企业迁移前三年缴纳的三税总额为上限，未达上限的延长分享两年。"
                "The three taxes' local shares are split 50:50 for three years, capped at the three taxes "
                "paid in the three years before moving; extended two years if the cap is not reached.",
                "obligation": {
                    "obligor": "13",
                    "metric": "share of the three taxes' local part transferred to the origin",
                    "target": "0.5",
                    "comparator": ">=",
                    "unit": "share",
                    "deadline": date(2015, 12, 31),
                    "evidence": "tax payment records of the relocated enterprise certified by both finance departments",
                    "period_months": 12,
                },
            },
        ],
    )
    cons = instruments.open_consultation(as_("officer-bj"), inst.id, closes_at=now + timedelta(days=30))
    sub = consultations.submit(
        as_("enterprise-zj"), cons.id, text="建议明确达产认定标准。Define full production.", clause_number="2"
    )
    consultations.answer(as_("officer-bj"), sub.id, text="按迁入地认定。Certified by the destination.")
    instruments.close_consultation(as_("officer-bj"), inst.id)
    instruments.sign(as_("officer-bj"), inst.id)
    instruments.sign(as_("officer-hb"), inst.id)
    instruments.file(as_("officer-bj"), inst.id)
    instruments.start_review(as_("reviewer-cn"), inst.id)
    s.flush()
    return inst.id


def _pairing(as_: Callable[[str], Ctx]) -> int:
    inst = instruments.create_instrument(
        as_("officer-fj"),
        kind="pairing",
        template="east_west_pairing",
        title="闽宁东西部协作（示例）/ Fujian-Ningxia east-west cooperation (demo)",
        parties=["35", "64"],
        summary="East-west pairing Fujian-Ningxia (since 1996). Target values are ILLUSTRATIVE (verified: false).",
        clauses=[
            {
                "number": "1",
                "text": "福建省每年向宁夏回族自治区拨付东西部协作财政援助资金（目标值为示例，未核实）。"
                "Fujian transfers east-west cooperation assistance funds to Ningxia each year (illustrative target).",
                "obligation": {
                    "obligor": "35",
                    "metric": "east-west cooperation assistance funds transferred (illustrative, verified: false)",
                    "target": "100000000",
                    "comparator": ">=",
                    "unit": "yuan",
                    "deadline": date(2026, 12, 31),
                    "evidence": "fund transfer vouchers of the Fujian finance department",
                    "period_months": 12,
                },
                "breach": {"reputation_notice": True, "loss_of_priority": True},
            },
        ],
    )
    return inst.id
