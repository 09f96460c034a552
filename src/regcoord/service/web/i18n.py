"""The label catalog of the web UI in English and Chinese, and the choice of language.

The language comes from ``?lang=en|zh`` (which also sets the ``regcoord_lang`` cookie),
else from that cookie, else from the browser's ``Accept-Language``, else English. Every
label exists in both languages (a test parses the templates and checks the catalog).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.requests import Request

LANGS = ("en", "zh")
LANG_COOKIE = "regcoord_lang"

#: key -> (English, Chinese)
LABELS: Mapping[str, tuple[str, str]] = {
    # frame
    "app.title": ("Regional interest coordination", "区域利益协调"),
    "app.tagline": (
        "Consultation, agreement, review, monitoring, credit and disputes in one loop",
        "征求意见、协议、审查、监测、信用与争议的闭环",
    ),
    "nav.dashboard": ("Dashboard", "仪表板"),
    "nav.consultations": ("Consultations", "征求意见"),
    "nav.instruments": ("Agreements & instruments", "协议与工具"),
    "nav.breaches": ("Breaches & credit", "违约与信用"),
    "nav.disputes": ("Disputes", "争议"),
    "nav.evaluations": ("Evaluations & alerts", "评估与预警"),
    "nav.login": ("Log in", "登录"),
    "nav.logout": ("Log out", "退出"),
    "nav.language": ("中文", "English"),
    "nav.signed_in_as": ("Signed in as", "当前用户"),
    "nav.public": ("public visitor", "公众访客"),
    "nav.skip": ("Skip to content", "跳到正文"),
    # common words
    "common.id": ("No.", "编号"),
    "common.title": ("Title", "标题"),
    "common.kind": ("Kind", "类型"),
    "common.state": ("State", "状态"),
    "common.region": ("Region", "地区"),
    "common.all_regions": ("All regions", "全部地区"),
    "common.parties": ("Parties", "当事方"),
    "common.actions": ("Actions", "操作"),
    "common.none": ("None.", "暂无。"),
    "common.open": ("Open", "打开"),
    "common.submit": ("Submit", "提交"),
    "common.show": ("Show", "显示"),
    "common.reasons": ("Reasons", "理由"),
    "common.date": ("Date", "日期"),
    "common.yes": ("yes", "是"),
    "common.no": ("no", "否"),
    "common.amount_yuan": ("Amount (yuan)", "金额（元）"),
    "common.error": ("The action was refused", "操作未完成"),
    "common.done": ("Done", "已完成"),
    "common.login_required": ("Log in to act on this page.", "登录后可在本页操作。"),
    "common.not_found": ("Not found", "未找到"),
    "common.back": ("Back", "返回"),
    "common.source": ("Source", "来源"),
    "common.unit": ("Unit", "单位"),
    "common.value": ("Value", "数值"),
    "common.subject": ("Subject", "主题"),
    # login
    "login.heading": ("Log in", "登录"),
    "login.username": ("User name", "用户名"),
    "login.password": ("Password", "密码"),
    "login.button": ("Log in", "登录"),
    "login.failed": ("Wrong user name or password.", "用户名或密码错误。"),
    "login.demo_hint": (
        "Demo database: users admin, reviewer-cn, officer-zj, officer-ah, officer-fj, officer-nx, ngo-ah ...",
        "示例数据库用户：admin、reviewer-cn、officer-zj、officer-ah、officer-fj、officer-nx、ngo-ah 等",
    ),
    # dashboard
    "dash.heading": ("Dashboard", "仪表板"),
    "dash.region": ("Region", "地区"),
    "dash.disparity": (
        "Regional disparity (GDP per capita, population-weighted)",
        "区域差距（人均GDP，人口加权）",
    ),
    "dash.year": ("Year", "年份"),
    "dash.gini": ("Gini", "基尼系数"),
    "dash.theil_t": ("Theil T", "泰尔指数T"),
    "dash.williamson": ("Williamson CV", "威廉姆森系数"),
    "dash.max_min": ("Max/min ratio", "最大最小比"),
    "dash.between_share": ("Between-plate share of Theil T", "泰尔指数T的板块间贡献"),
    "dash.coordination": ("Coordination between the four plates", "四大板块协调度"),
    "dash.plate": ("Plate", "板块"),
    "dash.plate_mean": ("Mean GDP per capita (yuan)", "人均GDP均值（元）"),
    "dash.plate_within": ("Within-plate Theil T", "板块内泰尔指数T"),
    "dash.relative": ("Relative to national mean", "相对全国均值"),
    "dash.chart_trend": ("Disparity indices over time", "差距指数变化"),
    "dash.chart_provinces": ("GDP per capita by province", "各省人均GDP"),
    "dash.data_source": (
        "Bundled China provincial panel (NBS yearbooks); measures from regcoord.measure",
        "内置中国省级面板（国家统计局年鉴）；指标由 regcoord.measure 计算",
    ),
    "dash.instruments_by_state": ("Instruments by state", "各状态工具数"),
    "dash.open_obligations": ("Open obligations", "未结义务"),
    "dash.warnings": ("Warnings", "预警"),
    "dash.payments_due": ("Payments due", "应付款项"),
    "dash.recent_breaches": ("Recent breaches", "近期违约"),
    "dash.credit": ("Credit score", "信用分"),
    # instruments
    "inst.heading": ("Agreements, plans and pairing programmes", "协议、规划与对口协作"),
    "inst.filter_state": ("State", "状态"),
    "inst.all_states": ("All states", "全部状态"),
    "inst.summary": ("Summary", "摘要"),
    "inst.effective": ("Effective", "生效期"),
    "inst.clauses": ("Clauses", "条款"),
    "inst.clause": ("Clause", "条款"),
    "inst.obligation": ("Obligation", "义务"),
    "inst.obligor": ("Obligor", "义务方"),
    "inst.metric": ("Metric", "指标"),
    "inst.target": ("Target", "目标"),
    "inst.deadline": ("Deadline", "期限"),
    "inst.evidence": ("Evidence", "证明材料"),
    "inst.breach_terms": ("Breach terms", "违约条款"),
    "inst.damages": ("Liquidated damages (fen)", "违约金（分）"),
    "inst.reputation": ("reputation notice", "信誉通报"),
    "inst.priority": ("loss of priority", "丧失优先权"),
    "inst.credit_penalty": ("credit points lost", "扣减信用分"),
    "inst.compensation": ("Compensation", "补偿"),
    "inst.signatures": ("Parties and signatures", "当事方与签署"),
    "inst.signed": ("signed", "已签署"),
    "inst.unsigned": ("not signed", "未签署"),
    "inst.next_actions": ("Next steps in the lifecycle", "生命周期下一步"),
    "inst.versions": ("Versions and diffs", "版本与差异"),
    "inst.open_consultation": ("Open a consultation", "发起征求意见"),
    "inst.days_open": ("Days open", "征求天数"),
    "inst.close_consultation": ("Close the consultation", "结束征求意见"),
    "inst.sign": ("Sign for my region", "代表本地区签署"),
    "inst.file": ("File with the common superior", "报共同上级备案"),
    "inst.start_review": ("Start the review", "开始审查"),
    "inst.review": ("Compliance review", "合规审查"),
    "inst.findings": ("Findings of the automatic review", "自动审查意见"),
    "inst.reviewer_region": ("Reviewer region", "审查机关所在地区"),
    "inst.severity": ("Severity", "严重程度"),
    "inst.rule": ("Rule", "规则"),
    "inst.decision": ("Decision", "决定"),
    "inst.approve": ("Approve", "批准"),
    "inst.return": ("Return with reasons", "退回并说明理由"),
    "inst.resubmit": ("Renegotiate after return", "退回后重新协商"),
    "inst.reports": ("KPI reports", "指标报告"),
    "inst.report_kpi": ("Report a KPI value", "报告指标值"),
    "inst.period_start": ("Period start", "期间开始"),
    "inst.period_end": ("Period end", "期间结束"),
    "inst.force_majeure": ("Force majeure", "不可抗力"),
    "inst.outcome": ("Outcome", "结果"),
    "inst.shortfall": ("Shortfall", "差额"),
    "inst.csv_upload": ("Bulk upload (CSV)", "批量上传（CSV）"),
    "inst.csv_columns": (
        "Columns: clause_id, period_start, period_end, value, evidence[, force_majeure]",
        "列：clause_id, period_start, period_end, value, evidence[, force_majeure]",
    ),
    "inst.csv_file": ("CSV file", "CSV 文件"),
    "inst.upload": ("Upload", "上传"),
    "inst.payments": ("Payments ledger", "支付台账"),
    "inst.payer": ("Payer", "付款方"),
    "inst.payee": ("Payee", "收款方"),
    "inst.negotiations": ("Negotiations", "协商"),
    "inst.new_negotiation": (
        "New negotiation: coalition values (one per line, e.g. 33+34: 300)",
        "新协商：联盟价值（每行一个，例如 33+34: 300）",
    ),
    "inst.raise_dispute": ("Raise a dispute", "提起争议"),
    "inst.evaluate": ("Evaluate", "评估"),
    "inst.eval_summary": ("Summary of the evaluation", "评估结论"),
    "inst.fund_use": ("Fund use (share 0-1)", "资金使用率（0-1）"),
    "inst.satisfaction": ("Satisfaction (share 0-1)", "满意度（0-1）"),
    "inst.revision_required": ("Poor result: order a revision", "效果不佳：责令修订"),
    "inst.revision_deadline": ("Revision deadline", "修订期限"),
    "inst.consultations": ("Consultations", "征求意见"),
    # versions
    "ver.heading": ("Versions", "文本版本"),
    "ver.number": ("Version", "版本"),
    "ver.note": ("Note", "说明"),
    "ver.compare": ("Compare", "比较"),
    "ver.diff": ("Diff", "差异"),
    "ver.added": ("lines added", "新增行"),
    "ver.removed": ("lines removed", "删除行"),
    # consultations
    "cons.heading": ("Consultations", "征求意见"),
    "cons.window": ("Window", "征求期"),
    "cons.closed": ("closed", "已结束"),
    "cons.open_now": ("open", "进行中"),
    "cons.submissions": ("Submissions and comments", "意见与评论"),
    "cons.comment": ("Comment on a clause", "对条款发表意见"),
    "cons.on_clause": ("On clause", "针对条款"),
    "cons.whole_text": ("the whole text", "全文"),
    "cons.text": ("Your comment", "您的意见"),
    "cons.answer": ("Answer of the proposer", "起草方答复"),
    "cons.answer_button": ("Answer", "答复"),
    "cons.unanswered": ("not yet answered", "尚未答复"),
    "cons.participation": ("Participation", "参与情况"),
    "cons.by_kind": ("By kind of actor", "按主体类型"),
    "cons.under": ("Under-represented", "参与不足"),
    "cons.participation_ok": ("Participation meets the threshold", "参与达到门槛"),
    "cons.participation_low": ("Participation below the threshold", "参与未达到门槛"),
    # negotiations
    "neg.heading": ("Negotiation", "协商"),
    "neg.coalition": ("Coalition", "联盟"),
    "neg.worth": ("Worth (yuan)", "价值（元）"),
    "neg.allocations": ("Fair-division allocations", "公平分配方案"),
    "neg.player": ("Party", "当事方"),
    "neg.shapley": ("Shapley value", "沙普利值"),
    "neg.nucleolus": ("Nucleolus", "核仁"),
    "neg.nash": ("Nash bargaining", "纳什谈判解"),
    "neg.proposals": ("Proposals", "分配提案"),
    "neg.ir": ("Individually rational", "个体理性"),
    "neg.efficient": ("Efficient", "有效"),
    "neg.in_core": ("In the core", "在核中"),
    "neg.blocking": ("Blocking coalitions", "阻断联盟"),
    "neg.propose": ("Propose an allocation", "提出分配方案"),
    # breaches and credit
    "br.heading": ("Breaches (public record)", "违约记录（公开）"),
    "br.period_end": ("Period end", "期间结束"),
    "br.sanctions": ("Sanctions", "惩戒措施"),
    "br.credit_heading": ("Credit record", "信用记录"),
    "br.score": ("Score", "分数"),
    "br.events": ("Credit events", "信用事件"),
    "br.delta": ("Change", "变动"),
    "br.reason": ("Reason", "原因"),
    "br.n_breaches": ("Breaches", "违约次数"),
    "br.credit_of": ("Credit record of", "信用记录："),
    # disputes
    "dis.heading": ("Disputes", "争议"),
    "dis.routed_to": ("Routed to", "受理机关"),
    "dis.raised_by": ("Raised by", "提起方"),
    "dis.decide": ("Decide", "裁决"),
    "dis.decision": ("Decision", "裁决意见"),
    "dis.open": ("open", "待裁决"),
    "dis.decided": ("decided", "已裁决"),
    # evaluations
    "ev.heading": ("Evaluations, revisions and alerts", "评估、修订与预警"),
    "ev.alerts": ("Alerts", "预警"),
    "ev.due": ("Due", "到期日"),
    "ev.message": ("Message", "内容"),
    "ev.evaluations": ("Evaluations", "评估记录"),
    "ev.kpi_attainment": ("KPI attainment", "指标达成率"),
    "ev.revisions": ("Revisions ordered", "责令修订"),
    "ev.lifecycle": ("Lifecycle transition table", "生命周期状态转移表"),
    "ev.action": ("Action", "动作"),
    "ev.target": ("Target state", "目标状态"),
    "ev.guard": ("Guard", "条件"),
    # enumerations shown by value
    "kind.agreement": ("Agreement", "协议"),
    "kind.plan": ("Regional plan", "区域规划"),
    "kind.pairing": ("Pairing programme", "对口协作"),
    "outcome.met": ("met", "达标"),
    "outcome.not_met": ("not met", "未达标"),
    "outcome.in_progress": ("in progress", "进行中"),
    "outcome.exempt": ("exempt (force majeure)", "免责（不可抗力）"),
    "actor.central": ("central government", "中央政府"),
    "actor.local": ("local government", "地方政府"),
    "actor.enterprise": ("enterprise", "企业"),
    "actor.resident": ("resident", "居民"),
    "actor.ngo": ("NGO", "社会组织"),
    "actor.evaluator": ("third-party evaluator", "第三方评估机构"),
    "plate.east": ("East", "东部"),
    "plate.central": ("Central", "中部"),
    "plate.west": ("West", "西部"),
    "plate.northeast": ("Northeast", "东北"),
    "role.admin": ("administrator", "管理员"),
    "role.reviewer": ("reviewer", "审查人员"),
    "role.officer": ("region officer", "地区工作人员"),
    "role.participant": ("participant", "参与者"),
    "role.public": ("public", "公众"),
    "payment.compensation": ("compensation", "补偿"),
    "payment.liquidated_damages": ("liquidated damages", "违约金"),
    # flash messages after an action
    "done.login": ("Logged in.", "已登录。"),
    "done.logout": ("Logged out.", "已退出。"),
    "done.submitted": ("Your comment was recorded.", "意见已提交。"),
    "done.answered": ("The answer was recorded.", "答复已保存。"),
    "done.consultation_opened": ("The consultation is open.", "征求意见已开始。"),
    "done.consultation_closed": ("The consultation is closed.", "征求意见已结束。"),
    "done.signed": ("Signed.", "已签署。"),
    "done.filed": ("Filed for review.", "已报备案。"),
    "done.review_started": ("Review started.", "审查已开始。"),
    "done.approved": ("Approved: the instrument is in force.", "已批准，协议生效。"),
    "done.returned": ("Returned with reasons.", "已退回。"),
    "done.resubmitted": ("Back to negotiation.", "已重新进入协商。"),
    "done.reported": ("KPI report recorded and judged.", "指标报告已记录并评判。"),
    "done.uploaded": ("CSV imported.", "CSV 已导入。"),
    "done.dispute_raised": ("Dispute raised.", "争议已提起。"),
    "done.dispute_decided": ("Dispute decided.", "争议已裁决。"),
    "done.evaluated": ("Evaluation recorded.", "评估已记录。"),
    "done.negotiation": ("Negotiation created.", "协商已创建。"),
    "done.proposed": ("Proposal recorded.", "提案已记录。"),
}


def pick_lang(request: Request) -> str:
    """``?lang=`` first, then the cookie, then ``Accept-Language``, else English."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(LANG_COOKIE)
    if c in LANGS:
        return c
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


def translator(lang: str) -> Callable[[str], str]:
    """The label function of the templates: ``_("nav.dashboard")``."""
    index = 1 if lang == "zh" else 0

    def _(key: str) -> str:
        pair = LABELS.get(key)
        return key if pair is None else pair[index]

    return _


def bilingual(en: str, zh: str, lang: str) -> str:
    """Pick the one of two texts the domain already gives in both languages."""
    return zh if lang == "zh" and zh else en
