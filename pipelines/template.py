"""The two report templates (国办公开办函〔2019〕60号 and 〔2021〕30号) as data.

This module is the single source of truth for sections, rows, columns, Chinese labels,
outcome groups and the arithmetic rules R01–R05. The parser aligns grids onto it, the
warehouse loads it as reference tables (dimensions are built from them) and the rule
checks in dbt are generated from the identities declared here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

TemplateVersion = Literal["2019", "2021"]
TEMPLATE_VERSIONS: tuple[TemplateVersion, ...] = ("2019", "2021")
TABLES: tuple[str, ...] = ("proactive", "requests", "review_litigation")

TABLE_LABELS: dict[str, str] = {
    "proactive": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # Extra spellings seen in published headers (matching is fuzzy on top of these).
    aliases: tuple[str, ...] = ()
    # "count" (non-negative integer), "signed" (2019 本年增/减) or "amount" (decimal).
    kind: str = "count"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    # The group label printed in a merged cell to the left ("（三）不予公开"), if any.
    group_label: str = ""
    # Outcome group for section 三 result rows; "" for flow rows.
    outcome_group: str = ""
    # Label text to match (a shortened, distinctive form), plus variants seen in reports.
    match: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()

    @property
    def full_label(self) -> str:
        return f"{self.group_label}{self.label}" if self.group_label else self.label

    @property
    def short_label(self) -> str:
        """The label with its group's numbering only: "（三）1.属于国家秘密"."""
        if self.group_label.startswith("（") and "）" in self.group_label:
            return self.group_label[: self.group_label.index("）") + 1] + self.label
        return self.label


@dataclass(frozen=True)
class Table:
    key: str
    label: str
    rows: tuple[Row, ...]

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(f"{self.key} has no row {key!r}")

    def cells(self) -> Iterator[tuple[Row, Column]]:
        for r in self.rows:
            for c in r.columns:
                yield r, c


@dataclass(frozen=True)
class Template:
    version: TemplateVersion
    notice: str
    tables: dict[str, Table] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return self.tables[key]

    def n_cells(self, table: str) -> int:
        return sum(1 for _ in self.tables[table].cells())


# ---------------------------------------------------------------- section 三 (requests)

APPLICANT_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业", ("商业企", "商业")),
    Column("research", "科研机构", ("科研机", "科研")),
    Column("social_org", "社会公益组织", ("社会公益",)),
    Column("legal_service", "法律服务机构", ("法律服务",)),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
# The six applicant types that add up to 总计 (R01), and the 法人或其他组织 umbrella.
APPLICANT_PARTS: tuple[str, ...] = tuple(c.key for c in APPLICANT_COLUMNS if c.key != "total")
LEGAL_ENTITY_COLUMNS: tuple[str, ...] = ("commercial", "research", "social_org", "legal_service", "other_org")

OUTCOME_GROUPS: dict[str, str] = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied": "不予公开",
    "unable": "无法提供",
    "not_processed": "不予处理",
    "other": "其他处理",
}

_G3, _G4, _G5, _G6 = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"


def _req(key: str, label: str, group: str = "", outcome: str = "", match: tuple[str, ...] = ()) -> Row:
    return Row(key, label, group, outcome, match or (label,), APPLICANT_COLUMNS)


_REQUEST_HEAD = (
    _req("new_received", "一、本年新收政府信息公开申请数量", match=("本年新收政府信息公开申请数量",)),
    _req("carried_over", "二、上年结转政府信息公开申请数量", match=("上年结转政府信息公开申请数量",)),
    _req("granted", "（一）予以公开", outcome="granted", match=("予以公开",)),
    _req(
        "partially_granted",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        outcome="partially_granted",
        match=("部分公开",),
    ),
    _req("denied_state_secret", "1.属于国家秘密", _G3, "denied", ("属于国家秘密",)),
    _req("denied_law_forbidden", "2.其他法律行政法规禁止公开", _G3, "denied", ("其他法律行政法规禁止公开",)),
    _req("denied_three_safety_one_stability", "3.危及“三安全一稳定”", _G3, "denied", ("危及三安全一稳定",)),
    _req("denied_third_party", "4.保护第三方合法权益", _G3, "denied", ("保护第三方合法权益",)),
    _req("denied_internal_affairs", "5.属于三类内部事务信息", _G3, "denied", ("属于三类内部事务信息",)),
    _req("denied_process_info", "6.属于四类过程性信息", _G3, "denied", ("属于四类过程性信息",)),
    _req("denied_enforcement_file", "7.属于行政执法案卷", _G3, "denied", ("属于行政执法案卷",)),
    _req("denied_admin_query", "8.属于行政查询事项", _G3, "denied", ("属于行政查询事项",)),
    _req("unable_not_held", "1.本机关不掌握相关政府信息", _G4, "unable", ("本机关不掌握相关政府信息",)),
    _req("unable_needs_creation", "2.没有现成信息需要另行制作", _G4, "unable", ("没有现成信息需要另行制作",)),
    _req("unable_unclear_after_correction", "3.补正后申请内容仍不明确", _G4, "unable", ("补正后申请内容仍不明确",)),
    _req("not_processed_petition", "1.信访举报投诉类申请", _G5, "not_processed", ("信访举报投诉类申请",)),
    _req("not_processed_repeat", "2.重复申请", _G5, "not_processed", ("重复申请",)),
    _req("not_processed_publication", "3.要求提供公开出版物", _G5, "not_processed", ("要求提供公开出版物",)),
    _req("not_processed_excessive", "4.无正当理由大量反复申请", _G5, "not_processed", ("无正当理由大量反复申请",)),
    _req(
        "not_processed_confirm_info",
        "5.要求行政机关确认或重新出具已获取信息",
        _G5,
        "not_processed",
        ("要求行政机关确认或重新出具已获取信息",),
    ),
)
_REQUEST_TAIL = (
    _req("total_processed", "（七）总计", match=("总计",)),
    _req("carried_forward", "四、结转下年度继续办理", match=("结转下年度继续办理",)),
)
_OTHER_2021 = (
    _req(
        "other_overdue_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        _G6,
        "other",
        ("申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",),
    ),
    _req(
        "other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        _G6,
        "other",
        ("申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",),
    ),
    # "其他处理" alone: a 2021 report printing （六） as one row, as the 2019 template does.
    _req("other_other", "3.其他", _G6, "other", ("其他", "其他处理")),
)
# 2019: a single （六）其他处理 row; it is the same canonical cell as 2021's （六）3.其他.
_OTHER_2019 = (_req("other_other", "（六）其他处理", outcome="other", match=("其他处理",)),)

# Rows whose sum is （七）总计 (R02), and which outcome rows a 2021 report may collapse into
# a single printed （六）其他处理 row (then read as other_other, the sub-rows stay absent).
OUTCOME_ROWS_2021: tuple[str, ...] = tuple(r.key for r in (*_REQUEST_HEAD, *_OTHER_2021) if r.outcome_group)
OUTCOME_ROWS_2019: tuple[str, ...] = tuple(r.key for r in (*_REQUEST_HEAD, *_OTHER_2019) if r.outcome_group)

# ---------------------------------------------------------------- section 四

REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
REVIEW_LITIGATION = Table(
    "review_litigation",
    TABLE_LABELS["review_litigation"],
    (
        Row("review", "行政复议", match=("行政复议",), columns=REVIEW_COLUMNS),
        Row(
            "litigation_direct",
            "行政诉讼·未经复议直接起诉",
            "行政诉讼",
            match=("未经复议直接起诉",),
            columns=REVIEW_COLUMNS,
        ),
        Row(
            "litigation_after_review", "行政诉讼·复议后起诉", "行政诉讼", match=("复议后起诉",), columns=REVIEW_COLUMNS
        ),
    ),
)

# ---------------------------------------------------------------- section 二

_C21_DOCS = (
    Column("issued", "本年制发件数", ("本年制发",)),
    Column("repealed", "本年废止件数", ("本年废止",)),
    Column("in_force", "现行有效件数", ("现行有效",)),
)
_C21_DECISIONS = (Column("decisions", "本年处理决定数量", ("处理决定数量",)),)
_C21_FEES = (Column("amount_10k_yuan", "本年收费金额（单位：万元）", ("本年收费金额", "收费金额"), kind="amount"),)

PROACTIVE_2021 = Table(
    "proactive",
    TABLE_LABELS["proactive"],
    (
        Row("regulations", "规章", "第二十条第（一）项", match=("规章",), columns=_C21_DOCS),
        Row(
            "normative_documents",
            "行政规范性文件",
            "第二十条第（一）项",
            match=("行政规范性文件", "规范性文件"),
            columns=_C21_DOCS,
        ),
        Row("admin_license", "行政许可", "第二十条第（五）项", match=("行政许可",), columns=_C21_DECISIONS),
        Row("admin_penalty", "行政处罚", "第二十条第（六）项", match=("行政处罚",), columns=_C21_DECISIONS),
        Row("admin_coercion", "行政强制", "第二十条第（六）项", match=("行政强制",), columns=_C21_DECISIONS),
        Row("admin_fees", "行政事业性收费", "第二十条第（八）项", match=("行政事业性收费",), columns=_C21_FEES),
    ),
)

_C19_DOCS = (
    Column("new_made", "本年新制作数量", ("新制作数量", "本年新制作")),
    Column("new_published", "本年新公开数量", ("新公开数量", "本年新公开")),
    Column("total_published", "对外公开总数量", ("对外公开总数",)),
)
_C19_ITEMS = (
    Column("prev_items", "上一年项目数量", ("上一年项目",)),
    Column("change", "本年增/减", ("本年增减", "增减", "增/减"), kind="signed"),
    Column("decisions", "处理决定数量", ("处理决定",)),
)
_C19_FEES = _C19_ITEMS[:2]
_C19_PROCUREMENT = (
    Column("projects", "采购项目数量", ("采购项目",)),
    Column("amount", "采购总金额", ("采购金额", "总金额"), kind="amount"),
)
PROACTIVE_2019 = Table(
    "proactive",
    TABLE_LABELS["proactive"],
    (
        Row("regulations", "规章", "第二十条第（一）项", match=("规章",), columns=_C19_DOCS),
        Row(
            "normative_documents",
            "规范性文件",
            "第二十条第（一）项",
            match=("规范性文件", "行政规范性文件"),
            columns=_C19_DOCS,
        ),
        Row("admin_license", "行政许可", "第二十条第（五）项", match=("行政许可",), columns=_C19_ITEMS),
        Row(
            "other_services",
            "其他对外管理服务事项",
            "第二十条第（五）项",
            match=("其他对外管理服务事项",),
            columns=_C19_ITEMS,
        ),
        Row("admin_penalty", "行政处罚", "第二十条第（六）项", match=("行政处罚",), columns=_C19_ITEMS),
        Row("admin_coercion", "行政强制", "第二十条第（六）项", match=("行政强制",), columns=_C19_ITEMS),
        Row("admin_fees", "行政事业性收费", "第二十条第（八）项", match=("行政事业性收费",), columns=_C19_FEES),
        Row("gov_procurement", "政府集中采购", "第二十条第（九）项", match=("政府集中采购",), columns=_C19_PROCUREMENT),
    ),
)

TEMPLATES: dict[str, Template] = {
    "2021": Template(
        "2021",
        "国办公开办函〔2021〕30号",
        {
            "proactive": PROACTIVE_2021,
            "requests": Table("requests", TABLE_LABELS["requests"], (*_REQUEST_HEAD, *_OTHER_2021, *_REQUEST_TAIL)),
            "review_litigation": REVIEW_LITIGATION,
        },
    ),
    "2019": Template(
        "2019",
        "国办公开办函〔2019〕60号",
        {
            "proactive": PROACTIVE_2019,
            "requests": Table("requests", TABLE_LABELS["requests"], (*_REQUEST_HEAD, *_OTHER_2019, *_REQUEST_TAIL)),
            "review_litigation": REVIEW_LITIGATION,
        },
    ),
}


def template_for_year(year: int) -> TemplateVersion:
    """The template a report for `year` must use (R08)."""
    return "2021" if year >= 2021 else "2019"


# ---------------------------------------------------------------- spellings the parser matches
# Every label spelling the aligner looks for lives here (row spellings are `Row.match`, column
# spellings `Column.aliases`): a new spelling seen in a report is one edit here plus one probe.

# Section headings, matched on label_key of a row's text (numbering and punctuation removed);
# "end" closes the tables (sections 五 and 六). The numeral lets a heading run into the
# paragraph before it ("……报告如下。二、主动公开政府信息情况") still be found.
SECTION_HEADINGS: tuple[tuple[str, str, str], ...] = (
    # (section, numeral, phrase)
    ("proactive", "二", "主动公开政府信息情况"),
    ("requests", "三", "收到和处理政府信息公开申请情况"),
    ("review_litigation", "四", "政府信息公开行政复议行政诉讼情况"),
    ("review_litigation", "四", "行政复议行政诉讼情况"),
    ("end", "五", "存在的主要问题及改进情况"),
    ("end", "六", "其他需要报告的事项"),
)
# Short names of the sections (spreadsheet sheet names, a table's caption): only a row saying
# exactly this, and only in a document that prints no full heading of that section.
SHORT_HEADINGS: dict[str, str] = {
    "主动公开": "proactive",
    "主动公开情况": "proactive",
    "主动公开政府信息": "proactive",
    "依申请公开": "requests",
    "依申请公开情况": "requests",
    "政府信息公开申请情况": "requests",
    "复议诉讼": "review_litigation",
    "行政复议行政诉讼": "review_litigation",
    "行政复议和行政诉讼": "review_litigation",
    "行政复议及行政诉讼": "review_litigation",
}
# Header rows that identify a table even where its section heading is missing (a spreadsheet
# of tables only, a heading lost in extraction). Header rows hold no values.
HEADER_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("requests", ("申请人情况",)),
    ("requests", ("自然人", "商业企业")),
    ("review_litigation", ("行政复议", "行政诉讼")),
    ("review_litigation", ("未经复议直接起诉",)),
    ("proactive", ("信息内容", "本年制发件数")),
    ("proactive", ("信息内容", "本年新制作数量")),
)
# Words printed in a table's header (besides its columns' labels and aliases): a cell saying
# one of these is header text, never a row's label.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "requests": ("申请人情况", "法人或其他组织", "本列数据的勾稽关系为第一项加第二项之和等于第三项加第四项之和"),
    "proactive": ("信息内容",),
    "review_litigation": ("行政诉讼",),
}
# Group labels of section 三 (merged cells left of the numbered item rows), by outcome group.
REQUEST_GROUP_LABELS: dict[str, str] = {
    "不予公开": "denied",
    "无法提供": "unable",
    "不予处理": "not_processed",
    "其他处理": "other",
}
# Other label-only lines of the tables that name no row (the vertical 三、本年度办理结果, a block
# heading of section 二): printed around rows, they are no evidence of a missing row.
STRUCTURE_LABELS: tuple[str, ...] = (
    "本年度办理结果",
    "第二十条第一项",
    "第二十条第五项",
    "第二十条第六项",
    "第二十条第八项",
    "第二十条第九项",
)
# Characters and words printed interchangeably in labels (其它 for 其他): label matching reads
# the first as the second.
LABEL_VARIANTS: dict[str, str] = {"其它": "其他"}
# Words only one template version prints (the other version's tables never say them).
TEMPLATE_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年收费金额",
        "申请人无正当理由逾期不补正",
        "申请人逾期未按收费通知要求缴纳费用",
    ),
    "2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "其他对外管理服务事项",
        "政府集中采购",
        "采购项目数量",
    ),
}
# The 2021 （六） printed as the single 2019-style row: these sub-rows are then not printed.
COLLAPSIBLE_OTHER_ROWS: tuple[str, ...] = ("other_overdue_correction", "other_overdue_fee")
# ... and the row that then stands for them (R09 accepts their absence under it; R01–R04 skip them).
COLLAPSED_INTO_ROW = "other_other"
# R10 (Art. 49 of the Regulations): the report for year Y is published by (month, day) of year Y+1,
# by agency kind: departments 31 January, governments (townships included) 31 March.
REPORT_DEADLINES: dict[str, tuple[int, int]] = {"department": (1, 31), "government": (3, 31)}
# An agency's kind when the registry leaves it empty: a level ending so is a department, any other
# level a government (the R10 deadline follows the kind).
DEPARTMENT_LEVEL_SUFFIX = "department"
# An agency name as matched against the registry: these characters (whitespace, brackets, quotes,
# separators) are dropped from both sides, so that "淮安市 洪泽区人民政府" or "（淮安市）洪泽区人民政府"
# find their entry. A regular expression in RE2 syntax (DuckDB's regexp_replace).
AGENCY_NAME_NOISE = r"[\s\x{00a0}\x{3000}()（）\[\]［］【】《》「」“”\"'·•、，,.．\-－—]+"

# ---------------------------------------------------------------- words of the document around the tables
# The title: "<机关>YYYY年政府信息公开工作年度报告". The report's name is REPORT_NAME, then any of the
# optional words in this order, then one of the endings (工作年度报告, 年度报告, 工作报告, 年度工作报告,
# 工作年报 …); whitespace may fall anywhere (a wrapped title).
REPORT_NAME = "政府信息公开"
REPORT_NAME_OPTIONAL_WORDS: tuple[str, ...] = ("工作", "年度", "工作")
REPORT_NAME_ENDINGS: tuple[str, ...] = ("报告", "年报")
# A year printed in Chinese numerals (二〇二二年, 二○二二, 二零二二): each character's digit.
CHINESE_DIGITS: dict[str, str] = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {
    "零": "0",
    "○": "0",
    "Ｏ": "0",
    "０": "0",
}
# How an agency's name ends: the line above a title that holds no name is taken as the name when
# it ends so.
AGENCY_NAME_ENDINGS: tuple[str, ...] = (
    "政府",
    "局",
    "委员会",
    "委",
    "办公室",
    "办事处",
    "办",
    "院",
    "中心",
    "街道",
    "镇",
    "乡",
    "厅",
    "署",
    "处",
    "会",
    "所",
    "站",
    "队",
    "馆",
    "部",
    "司",
)
# The first heading of the body (the title is before it): 一、总体情况, or 二、主动公开政府信息情况 when
# a report prints no 总体情况.
BODY_FIRST_HEADINGS: tuple[tuple[str, str], ...] = (("一", "总体情况"), ("二", "主动公开政府信息情况"))
# "统计期限自2022年1月1日…": the year the figures cover, when the title's year is the publication's.
REPORT_PERIOD_PHRASE = "统计期限"
# Labels of a web page's furniture before the agency's name on the title's line: followed by a
# colon (标题：…), or the breadcrumb's, with or without one (当前位置 首页 > …).
PAGE_FURNITURE_LABELS: tuple[str, ...] = ("标题", "名称")
BREADCRUMB_LABEL = "当前位置"
# Default names of spreadsheet sheets (Sheet1, 工作表1, 表1): no section heading.
DEFAULT_SHEET_NAMES: tuple[str, ...] = ("sheet", "工作表", "表")

# ---------------------------------------------------------------- words in value cells
# A value cell printed blank: nothing, a dash or slash, 无.
BLANK_TOKENS: frozenset[str] = frozenset({"", "/", "-", "—", "——", "–", "无", "\\", "／", "－", "-—", "/ "})
# Units glued to a number ("251000元", "22件").
VALUE_UNITS: tuple[str, ...] = ("万元", "元", "件", "条", "项", "个", "次", "人次")
# The sign of the 2019 本年增/减 column written out ("增加2", "减少3", "减1"): word → sign.
SIGN_WORDS: dict[str, int] = {"增加": 1, "减少": -1, "增": 1, "减": -1}
# A page number printed into the text ("第4页", "第4页/共5页", "4/共5页"): 第 N 页, 共 N 页.
PAGE_PREFIX, PAGE_WORD, PAGES_TOTAL_WORD = "第", "页", "共"


# ---------------------------------------------------------------- compliance

# Registry levels (agencies.csv `level`), in display order, with their Chinese labels.
LEVEL_LABELS: dict[str, str] = {
    "city_government": "市人民政府",
    "city_department": "市政府部门",
    "county_government": "县（市、区）人民政府",
    "county_department": "县（市、区）政府部门",
    "township": "乡镇人民政府（街道办事处）",
}


# An agency-year's overall status (marts.agency_year_compliance), in display order, with its
# Chinese label: landed with the template, so dbt and the dashboard read the same labels.
COMPLIANCE_STATUSES: dict[str, str] = {
    "compliant": "符合要求",
    "needs_review": "待人工核对",  # the report was only partly read: a person checks the unread cells
    "issues": "报告存在问题",
    "late": "逾期公开",
    "missing": "未公开年度报告",
    "unregistered": "报告机关未登记",
}

# ---------------------------------------------------------------- rules

RULE_TEXT: dict[str, tuple[str, str]] = {
    # rule id: (English name, Chinese description the disclosure office reads)
    "R01": ("R01_row_total", "第三部分每行的“总计”应等于自然人与五类法人或其他组织之和"),
    "R02": ("R02_outcome_total", "第三部分“（七）总计”应等于（一）至（六）各项办理结果之和（逐列）"),
    "R03": ("R03_balance", "第三部分勾稽关系：第一项加第二项之和应等于第三项（七）总计加第四项之和（逐列）"),
    "R04": ("R04_review_litigation_total", "第四部分每一类的“总计”应等于结果维持、结果纠正、其他结果、尚未审结之和"),
    "R05": ("R05_valid_number", "件数应为非负整数（2019年模板“本年增/减”可为负数，收费及采购金额可为小数）"),
    "R06": (
        "R06_carry_over",
        "第三部分本年度“二、上年结转政府信息公开申请数量”应等于上一年度报告“四、结转下年度继续办理”（逐列）",
    ),
    "R07": (
        "R07_documents_in_force",
        "2021年模板第二部分：本年现行有效件数应等于上年现行有效件数加本年制发件数减本年废止件数（仅供参考）",
    ),
    "R08": (
        "R08_template_version",
        "年度报告应使用该年度规定的格式：2021年及以后年度使用国办公开办函〔2021〕30号格式，2019—2020年度使用国办公开办函〔2019〕60号格式",
    ),
    "R09": ("R09_complete_rows", "年度报告应完整列出格式规定的各项内容，不得删减表格行项"),
    "R10": ("R10_on_time", "年度报告应按时公布：政府部门于次年1月31日前、人民政府于次年3月31日前"),
    "R11": ("R11_report_published", "应当报告的行政机关每年均应公布政府信息公开工作年度报告"),
    "R12": (
        "R12_narrative_figures",
        "年度报告正文中引用的数字应与表格数据一致（如正文“本年新收政府信息公开申请N件”应等于第三部分“一、本年新收政府信息公开申请数量”的总计）",
    ),
    "R00": ("R00_registered_agency", "年度报告标题中的机关名称应与机关名录中的名称或别名一致"),
}

# The first report year of each template version (R08: a report for a year uses the latest
# version whose first year is not after it).
TEMPLATE_FIRST_YEAR: dict[str, int] = {"2019": 2019, "2021": 2021}


@dataclass(frozen=True)
class CellRef:
    table: str
    row: str
    column: str


@dataclass(frozen=True)
class Identity:
    """A linear identity the template states: sum(total_side) == sum(parts_side).

    A finding points at `anchor`, the printed cell that the identity judges.
    """

    rule_id: str
    check_id: str
    anchor: CellRef
    total_side: tuple[CellRef, ...]
    parts_side: tuple[CellRef, ...]


def identities(version: str) -> list[Identity]:
    """R01–R04 for one template version, each instance as its own check."""
    tpl = TEMPLATES[version]
    req = tpl.table("requests")
    out: list[Identity] = []
    for r in req.rows:
        out.append(
            Identity(
                "R01",
                f"R01:{r.key}",
                CellRef("requests", r.key, "total"),
                (CellRef("requests", r.key, "total"),),
                tuple(CellRef("requests", r.key, c) for c in APPLICANT_PARTS),
            )
        )
    outcomes = OUTCOME_ROWS_2021 if version == "2021" else OUTCOME_ROWS_2019
    for c in APPLICANT_COLUMNS:
        out.append(
            Identity(
                "R02",
                f"R02:{c.key}",
                CellRef("requests", "total_processed", c.key),
                (CellRef("requests", "total_processed", c.key),),
                tuple(CellRef("requests", row, c.key) for row in outcomes),
            )
        )
    for c in APPLICANT_COLUMNS:
        out.append(
            Identity(
                "R03",
                f"R03:{c.key}",
                CellRef("requests", "carried_forward", c.key),
                (CellRef("requests", "total_processed", c.key), CellRef("requests", "carried_forward", c.key)),
                (CellRef("requests", "new_received", c.key), CellRef("requests", "carried_over", c.key)),
            )
        )
    for r in tpl.table("review_litigation").rows:
        out.append(
            Identity(
                "R04",
                f"R04:{r.key}",
                CellRef("review_litigation", r.key, "total"),
                (CellRef("review_litigation", r.key, "total"),),
                tuple(CellRef("review_litigation", r.key, c.key) for c in REVIEW_COLUMNS if c.key != "total"),
            )
        )
    return out


def column_kind(version: str, table: str, row: str, column: str) -> str:
    for c in TEMPLATES[version].table(table).row(row).columns:
        if c.key == column:
            return c.kind
    raise KeyError((version, table, row, column))


# ---------------------------------------------------------------- the narrative (R12, `ogi check`)
# The tables' own numbers in the reader's words: 表二 主动公开, 表三 申请, 表四 复议诉讼.
TABLE_NUMBERS: dict[str, str] = {"proactive": "表二", "requests": "表三", "review_litigation": "表四"}
# The narrative is the text outside the tables: before the heading that opens them (二 主动公开 or
# 三 收到和处理) and from the heading after them (五) on. Regular expressions on whitespace-free text.
NARRATIVE_TABLES_START = r"^(?:二[、.．]主动公开|三[、.．]收到和处理)"
NARRATIVE_TABLES_END = r"^五[、.．]"
# A figure the narrative quotes: its phrase, directly followed by the number (an optional count word
# between) and a unit. A phrase joined to another by a joiner ("行政复议、行政诉讼5件") is skipped:
# the number is shared. Regular expressions.
NARRATIVE_COUNT_WORDS: tuple[str, ...] = ("共计", "共", "合计", "总计")
NARRATIVE_JOINERS = "、和及与"
NARRATIVE_PHRASES: dict[str, tuple[str, str, bool]] = {
    # target: (phrase, unit characters, skipped after a joiner)
    "requests": (r"(?:本年新收|新收到|收到|受理)(?:政府)?信息公开申请", "件", False),
    "review": (r"行政复议(?:案件)?", "件起", True),
    "litigation": (r"行政诉讼(?:案件)?", "件起", True),
}
# A requests figure followed by this counts more than the new requests ("…申请120件（含上年结转…）").
NARRATIVE_INCLUDES_CARRIED = r"^[（(]?(?:含|包括|其中含)上(?:一)?年(?:度)?结转"
# What each figure is compared with: the sum of these cells (R12, every one printed as a number),
# the cell reported (table, row, column) and its Chinese description.
NARRATIVE_TARGETS: dict[str, tuple[tuple[CellRef, ...], CellRef, str]] = {
    "requests": (
        (CellRef("requests", "new_received", "total"),),
        CellRef("requests", "new_received", "total"),
        "三、收到和处理政府信息公开申请情况 / 一、本年新收政府信息公开申请数量 / 总计",
    ),
    "review": (
        (CellRef("review_litigation", "review", "total"),),
        CellRef("review_litigation", "review", "total"),
        "四、政府信息公开行政复议、行政诉讼情况 / 行政复议 / 总计",
    ),
    "litigation": (
        (
            CellRef("review_litigation", "litigation_direct", "total"),
            CellRef("review_litigation", "litigation_after_review", "total"),
        ),
        CellRef("review_litigation", "litigation_direct+litigation_after_review", "total"),
        "四、政府信息公开行政复议、行政诉讼情况 / 行政诉讼（未经复议直接起诉＋复议后起诉）/ 总计",
    ),
}
