"""A report as a logical document, for the format renderers (test corpus and generated city).

A truth file (tests/fixture_truths/NAME.json, values chosen by hand) is laid out as the
published template prints it: title, section headings, narrative, and the three tables with
their header rows, merged group labels and value cells. Each renderer (HTML, Markdown, DOCX,
XLSX, PDF, text) turns this one layout into a file; the truth is the data rendered, never the
parser's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, TEMPLATES, Row


@dataclass
class LCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class LTable:
    rows: list[list[LCell]]  # cells covered by a rowspan from above are simply not listed
    n_cols: int


@dataclass
class LDoc:
    title: str
    blocks: list[str | LTable] = field(default_factory=list)  # a str is a paragraph or heading

    def table(self, at: int) -> LTable:
        """Block `at`, which the caller knows is a table."""
        block = self.blocks[at]
        assert isinstance(block, LTable), f"block {at} is a paragraph, not a table"
        return block


def display(truth: dict[str, Any], table: str, row: str, col: str, blank: str = "") -> str:
    """How the report prints a cell: the truth's `display` override, the number, or `blank`."""
    override = truth.get("display", {}).get(f"{table}.{row}.{col}")
    if override is not None:
        return str(override)
    v = truth[table][row][col]
    if v is None:
        return blank
    return str(int(v)) if float(v).is_integer() else str(v)


def _printed_rows(truth: dict[str, Any], table: str) -> list[Row]:
    """The template rows the report prints: a row absent from the truth's table is not printed.

    A 2021 report whose （六） sub-rows 1 and 2 are both absent prints （六） as the single
    2019-style row "（六）其他处理" (read back as other_other).
    """
    rows = [r for r in TEMPLATES[truth["template"]].table(table).rows if r.key in truth[table]]
    if (
        table == "requests"
        and truth["template"] == "2021"
        and "other_other" in truth[table]
        and not ({"other_overdue_correction", "other_overdue_fee"} & truth[table].keys())
    ):
        single = TEMPLATES["2019"].table("requests").row("other_other")
        rows = [single if r.key == "other_other" else r for r in rows]
    return rows


def _proactive(truth: dict[str, Any], blank: str) -> LTable:
    rows: list[list[LCell]] = []
    n = 4
    last_group, last_cols = None, None
    for r in _printed_rows(truth, "proactive"):
        cols = [c.label for c in r.columns]
        if r.group_label != last_group:
            rows.append([LCell(r.group_label, n)])
            last_group = r.group_label
            last_cols = None
        if cols != last_cols:
            rows.append([LCell("信息内容"), *_spread([LCell(c) for c in cols], n - 1)])
            last_cols = cols
        values = [LCell(display(truth, "proactive", r.key, c.key, blank)) for c in r.columns]
        rows.append([LCell(r.label), *_spread(values, n - 1)])
    return LTable(rows, n)


def _spread(cells: list[LCell], width: int) -> list[LCell]:
    """Cells filling `width` columns: the last one spans what is left (as Word tables print it)."""
    cells[-1].colspan = width - len(cells) + 1
    return cells


def _requests(truth: dict[str, Any], blank: str) -> LTable:
    printed = _printed_rows(truth, "requests")
    n = 3 + 7
    rows: list[list[LCell]] = [
        [LCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), LCell("申请人情况", 7)],
        [LCell("自然人", 1, 2), LCell("法人或其他组织", 5), LCell("总计", 1, 2)],
        [LCell(c.label) for c in APPLICANT_COLUMNS[1:6]],
    ]
    result_rows = [r for r in printed if r.outcome_group]
    groups: dict[str, int] = {}
    for r in result_rows:
        if r.group_label:
            groups[r.group_label] = groups.get(r.group_label, 0) + 1
    seen_groups: set[str] = set()
    for r in printed:
        values = [LCell(display(truth, "requests", r.key, c.key, blank)) for c in APPLICANT_COLUMNS]
        if not r.outcome_group:
            label = [LCell(r.label, 3)]
        else:
            label = []
            if r is result_rows[0]:
                label.append(LCell("三、本年度办理结果", 1, len(result_rows)))
            if r.group_label:
                if r.group_label not in seen_groups:
                    label.append(LCell(r.group_label, 1, groups[r.group_label]))
                    seen_groups.add(r.group_label)
                label.append(LCell(r.label))
            else:
                label.append(LCell(r.label, 2))
        rows.append(label + values)
    return LTable(rows, n)


def _review(truth: dict[str, Any], blank: str) -> LTable:
    parts = [LCell(c.label) for c in REVIEW_COLUMNS]
    rows = [
        [LCell("行政复议", 5), LCell("行政诉讼", 10)],
        [*(LCell(c.label, 1, 2) for c in REVIEW_COLUMNS), LCell("未经复议直接起诉", 5), LCell("复议后起诉", 5)],
        [*(LCell(c.text) for c in parts), *(LCell(c.text) for c in parts)],
        [
            LCell(display(truth, "review_litigation", r.key, c.key, blank))
            for r in TEMPLATES[truth["template"]].table("review_litigation").rows
            for c in REVIEW_COLUMNS
        ],
    ]
    return LTable(rows, 15)


def layout(truth: dict[str, Any], blank: str = "") -> LDoc:
    """The document a fixture truth prints; `blank` is how blank cells are printed ("", "/", "-", "无")."""
    title = f"{truth['agency']}{truth['report_year']}年政府信息公开工作年度报告"
    doc = LDoc(title)
    doc.blocks += [
        "一、总体情况",
        f"{truth['report_year']}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，现将工作情况报告如下。",
        "二、主动公开政府信息情况",
        _proactive(truth, blank),
        "三、收到和处理政府信息公开申请情况",
        _requests(truth, blank),
        "四、政府信息公开行政复议、行政诉讼情况",
        _review(truth, blank),
        "五、存在的主要问题及改进情况",
        "工作中仍存在一些不足，下一步将继续改进。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    return doc
