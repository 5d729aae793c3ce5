"""The pre-publication check (`ogi check FILE`): one report, every rule it can be judged on alone.

    check_file(path, output_format="text"|"json") -> (exit code, text to print)

exit 0: no finding; 1: findings; 2: the file cannot be read as an annual report (one line).

Rules: R01–R05, R08, R09 and R12 through `pipelines.rules.judge_report` (the warehouse's rule SQL);
for R12, figures the narrative quotes ("受理政府信息公开申请17件", "行政复议351件", "行政诉讼46件") are
read here (the words are pipelines/template.py's) and compared with the tables by the rule SQL.
R12 is deliberately conservative: only a number directly tied to one of a few clear phrases,
only in the narrative (the text outside sections 二–四), only when the table cell is printed.
The file is read once: the grid is kept for its text and aligned with `pipelines.align.align`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.grid import Grid, is_page_mark
from pipelines.model import ParsedReport, ParseError
from pipelines.parsing import parse_bytes_with_grid, read_file
from pipelines.rules import NarrativeFinding, judge_report, report_from_parsed
from pipelines.template import (
    NARRATIVE_COUNT_WORDS,
    NARRATIVE_INCLUDES_CARRIED,
    NARRATIVE_JOINERS,
    NARRATIVE_PHRASES,
    NARRATIVE_TABLES_END,
    NARRATIVE_TABLES_START,
    RULE_TEXT,
    TABLE_LABELS,
    TABLE_NUMBERS,
    TEMPLATES,
    Identity,
)

R12_TEXT = RULE_TEXT["R12"][1]
TEMPLATE_NOTICES = {v: t.notice for v, t in TEMPLATES.items()}
_TABLE_NUMBER = TABLE_NUMBERS


@dataclass(frozen=True)
class CheckFinding:
    rule: str
    table: str = ""
    row: str = ""
    column: str = ""
    expected: Any = None
    printed: Any = None
    message_zh: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "expected": self.expected,
            "printed": self.printed,
            "message_zh": self.message_zh,
        }


# ---------------------------------------------------------------- reading


def read_report(path: Path) -> tuple[ParsedReport, Grid]:
    """The parsed report and the grid it was aligned from (ParseError when not a report)."""
    return parse_bytes_with_grid(read_file(path), Path(path).name)


# ---------------------------------------------------------------- R12: the narrative
# Text extraction stays here (the words are the template's: pipelines/template.py); the comparison
# with the tables is the rule SQL's (dbt_project/macros/rules/r12.sql, run by pipelines.rules).


_SECTION_START = re.compile(NARRATIVE_TABLES_START)
_SECTION_END = re.compile(NARRATIVE_TABLES_END)
_FULLWIDTH_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)})


def _squash(text: str) -> str:
    """NFKC text without whitespace; digits split by whitespace ("1 2") are kept apart with a
    "|": one number wrapped or two run together cannot be told apart, so neither is quoted."""
    text = unicodedata.normalize("NFKC", text).translate(_FULLWIDTH_DIGITS)
    return re.sub(r"\s+", "", re.sub(r"(\d)\s+(?=\d)", r"\1|", text))


def narrative_text(text: str) -> str:
    """The document text outside the tables (before section 二, from section 五 on), with all
    whitespace removed (PDF lines break inside words and numbers' phrases) and page marks dropped."""
    lines = [ln for ln in text.splitlines() if not is_page_mark(ln)]
    squashed = [_squash(ln) for ln in lines]
    start = next((i for i, s in enumerate(squashed) if _SECTION_START.match(s)), None)
    if start is None:
        return _squash("\n".join(lines))
    end = next((i for i in range(start + 1, len(squashed)) if _SECTION_END.match(squashed[i])), len(squashed))
    return _squash("\n".join(lines[:start] + lines[end:]))


def _figure_pattern(phrase: str, units: str, after_joiner_skipped: bool) -> re.Pattern[str]:
    """The phrase, directly followed by the number (an optional count word between) and a unit."""
    joined = f"(?<![{NARRATIVE_JOINERS}])" if after_joiner_skipped else ""
    count = "(?:" + "|".join(sorted(NARRATIVE_COUNT_WORDS, key=len, reverse=True)) + r")?(\d+)"
    return re.compile(joined + phrase + count + f"[{units}]")


# (target, pattern) in the order figures are reported
R12_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (target, _figure_pattern(*spec)) for target, spec in NARRATIVE_PHRASES.items()
)
_INCLUDES_CARRIED = re.compile(NARRATIVE_INCLUDES_CARRIED)


def narrative_figures(text: str) -> list[tuple[str, int, str]]:
    """(target, number, quoted phrase) for every clear figure the narrative quotes."""
    narrative = narrative_text(text)
    out: list[tuple[str, int, str]] = []
    for target, pattern in R12_PATTERNS:
        for m in pattern.finditer(narrative):
            if target == "requests" and _INCLUDES_CARRIED.match(narrative[m.end() : m.end() + 12]):
                continue
            out.append((target, int(m.group(1)), m.group(0)))
    return out


def narrative_message(f: NarrativeFinding) -> str:
    """R12's finding in Chinese: the table's figure, the narrative's and the quote."""
    return (
        f"[R12] {TABLE_NUMBERS[f.finding.table]} {f.description_zh}：表格数值为 {_fmt(f.finding.expected)}，"
        f"正文写为 {_fmt(f.finding.actual)}（正文：“{f.quote}”）。规则：{R12_TEXT}"
    )


# ---------------------------------------------------------------- messages


def _row_label(version: str, table: str, row: str) -> str:
    try:
        return TEMPLATES[version].table(table).row(row).short_label
    except KeyError:
        return row


def _column_label(version: str, table: str, row: str, column: str) -> str:
    try:
        for c in TEMPLATES[version].table(table).row(row).columns:
            if c.key == column:
                return c.label
    except KeyError:
        pass
    return column


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "空白" if v is None else str(v)


def _message(version: str, f: Any) -> str:
    rule_text = RULE_TEXT.get(f.rule, ("", ""))[1]
    if f.rule == "R08":
        where = "报告格式"
        what = (
            f"{f.report_year}年度报告应使用{TEMPLATE_NOTICES.get(f.expected, f.expected)}格式，"
            f"实际使用{TEMPLATE_NOTICES.get(f.actual, f.actual)}格式"
        )
    else:
        parts = [f"{_TABLE_NUMBER.get(f.table, '')} {TABLE_LABELS.get(f.table, f.table)}"]
        if f.row:
            parts.append(f"行“{_row_label(version, f.table, f.row)}”")
        if f.column:
            parts.append(f"列“{_column_label(version, f.table, f.row, f.column)}”")
        where = " / ".join(parts)
        if f.rule == "R09":
            what = "该行未列出"
        elif f.rule == "R05":
            what = f"报告印为 {_fmt(f.actual)}，不是有效数值"
        elif f.expected is None:
            what = f"报告印为 {_fmt(f.actual)}；其余各项有空白，但已印出的各项之和已超过该数"
        else:
            what = f"按各项计算应为 {_fmt(f.expected)}，报告印为 {_fmt(f.actual)}"
    return f"[{f.rule}] {where}：{what}。规则：{rule_text}"


_STATUS_ZH = {"unreadable": "未能读取", "inferred": "未读出，按其他数据推定"}


def warnings_of(parsed: ParsedReport) -> list[dict[str, Any]]:
    """The parser's warnings: one per cell not read (its final status), then the others."""
    v = parsed.template
    out: list[dict[str, Any]] = []
    by_cell: dict[tuple[str, str, str], list[str]] = {}
    for w in parsed.warnings:
        if w.table and w.row and w.column:
            by_cell.setdefault((w.table, w.row, w.column), []).append(w.message)
    for c in parsed.cells:
        if c.status not in _STATUS_ZH:
            continue
        value = f"为 {_fmt(c.value)}（按推定值参与判断）" if c.status == "inferred" else "（不参与判断）"
        zh = (
            f"{_TABLE_NUMBER[c.table]} 行“{_row_label(v, c.table, c.row)}” "
            f"列“{_column_label(v, c.table, c.row, c.column)}”："
            f"{_STATUS_ZH[c.status]}{value}"
        )
        out.append(
            {
                "table": c.table,
                "row": c.row,
                "column": c.column,
                "status": c.status,
                "message_zh": zh,
                "message": "; ".join(by_cell.get((c.table, c.row, c.column), [])),
            }
        )
    for w in parsed.warnings:
        if w.table and w.row and w.column:
            continue
        if "printed as one row" in w.message:
            zh = "表三“（六）其他处理”按一行印出（2019年格式的写法），读作“3.其他”，子项1、2视为未列出（可接受）"
        else:
            zh = f"解析提示：{w.message}"
        out.append(
            {
                "table": w.table or "",
                "row": w.row or "",
                "column": w.column or "",
                "status": "",
                "message_zh": zh,
                "message": w.message,
            }
        )
    return out


# ---------------------------------------------------------------- what could not be judged

READ_QUALITY_ZH = {"complete": "完整读取", "partial": "部分读取", "unread": "未能读取"}
_WHY_ZH = {"unread": "含未能读取的单元格", "absent": "涉及未列出的行"}


def skipped_checks(version: str, not_made: list[tuple[Identity, str]]) -> list[dict[str, Any]]:
    """The R01–R04 checks not made because a cell was not read or a row is not printed, each
    with the reason in Chinese: the office sees what was not judged, never a guess."""
    out: list[dict[str, Any]] = []
    for ident, why in not_made:
        a = ident.anchor
        where = (
            f"{_TABLE_NUMBER[a.table]} 行“{_row_label(version, a.table, a.row)}” "
            f"列“{_column_label(version, a.table, a.row, a.column)}”"
        )
        rule_name = RULE_TEXT[ident.rule_id][0]
        out.append(
            {
                "rule": ident.rule_id,
                "check": ident.check_id,
                "table": a.table,
                "row": a.row,
                "column": a.column,
                "reason": why,
                "message_zh": f"[{ident.rule_id}] {where}：{_WHY_ZH[why]}，无法判断（{rule_name}）",
            }
        )
    return out


# ---------------------------------------------------------------- the check


def check_file(path: Path, output_format: str = "text") -> tuple[int, str]:
    """(exit code, text to print): 1 with findings, 0 when clean, 2 when the file is not readable."""
    path = Path(path)
    try:
        parsed, grid = read_report(path)
    except ParseError as exc:
        return _unreadable(path, exc.reason, output_format)
    except Exception as exc:  # noqa: BLE001 - a broken file of a known format: still one line
        return _unreadable(path, f"{type(exc).__name__}: {exc}".splitlines()[0], output_format)
    report = report_from_parsed(parsed)
    judged = judge_report(report, file=str(path), figures=narrative_figures(grid.text))
    findings = [
        CheckFinding(f.rule, f.table, f.row, f.column, f.expected, f.actual, _message(parsed.template, f))
        for f in judged.findings
    ]
    findings += [
        CheckFinding(
            "R12",
            n.finding.table,
            n.finding.row,
            n.finding.column,
            n.finding.expected,
            n.finding.actual,
            narrative_message(n),
        )
        for n in judged.narrative
    ]
    warnings = warnings_of(parsed)
    skipped = skipped_checks(parsed.template, judged.not_assessable)
    quality = {
        "status": parsed.read_quality,
        "unread_cells": parsed.n_unread,
        "label_zh": READ_QUALITY_ZH[parsed.read_quality],
    }
    code = 1 if findings else 0
    if output_format == "json":
        return code, json.dumps(
            {
                "file": str(path),
                "agency": parsed.agency,
                "report_year": parsed.report_year,
                "template": parsed.template,
                "read_quality": quality,
                "findings": [f.to_json() for f in findings],
                "not_assessable": skipped,
                "warnings": warnings,
            },
            ensure_ascii=False,
            indent=2,
        )
    agency = parsed.agency or "（标题中未识别出机关名称）"
    notice = TEMPLATE_NOTICES.get(parsed.template, parsed.template)
    lines = [f"文件：{path}", f"机关：{agency}　年度：{parsed.report_year}　格式：{notice}"]
    if parsed.n_unread:
        lines.append(
            f"读取情况：{quality['label_zh']}（{parsed.n_unread} 个单元格未能确定读取，需人工核对；"
            f"未读取的单元格不作为任何问题的依据）"
        )
    else:
        lines.append(f"读取情况：{quality['label_zh']}")
    if findings:
        lines.append(f"发现问题 {len(findings)} 项：")
        lines += [f"{i}. {f.message_zh}" for i, f in enumerate(findings, 1)]
    else:
        lines.append("未发现问题。" if not parsed.n_unread else "在已读取的单元格中未发现问题。")
    if skipped:
        lines.append(f"未能判断的校验 {len(skipped)} 项（相关单元格未读取或该行未列出）：")
        lines += [f"- {s['message_zh']}" for s in skipped]
    if warnings:
        lines.append(f"解析提示 {len(warnings)} 项（以下单元格或内容未能确定读取）：")
        lines += [f"- {w['message_zh']}" for w in warnings]
    return code, "\n".join(lines)


def _unreadable(path: Path, reason: str, output_format: str) -> tuple[int, str]:
    if output_format == "json":
        return 2, json.dumps({"file": str(path), "error": reason}, ensure_ascii=False)
    return 2, f"{path}: 无法作为政府信息公开工作年度报告读取：{reason}"
