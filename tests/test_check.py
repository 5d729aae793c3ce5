"""`check_file`: the pre-publication check of one report (R01–R05, R08, R09, R12).

Expected values are written by hand from the documents in data/raw (see
tests/corpus/real/manifest.csv): hzq2023 prints review 10 1 0 0 total 0 and
复议后起诉 5 0 0 0 total 0; its narrative says 受理政府信息公开申请21件 (the table: 21).
hzq2024's narrative says 受理政府信息公开申请17件 while its table prints 95. szfgs2024's
narrative quotes 3119 applications, 行政复议351件 and 行政诉讼46件 (26 + 20): all agree.
xianfeng2021's narrative quotes no figure.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pipelines.check import check_file, narrative_figures, narrative_text
from tests.conftest import RAW_DIR
from tests.test_parser_text import report_2021


def _json(path: Path) -> dict:
    code, out = check_file(path, "json")
    data = json.loads(out)
    data["_code"] = code
    return data


def _keys(data: dict) -> list[tuple]:
    return [(f["rule"], f["table"], f["row"], f["column"], f["expected"], f["printed"]) for f in data["findings"]]


def test_hzq2023_review_totals() -> None:
    data = _json(RAW_DIR / "hzq2023.pdf")
    assert data["_code"] == 1
    assert (data["agency"], data["report_year"], data["template"]) == ("洪泽区人民政府", 2023, "2021")
    assert _keys(data) == [
        ("R04", "review_litigation", "review", "total", 11, 0),
        ("R04", "review_litigation", "litigation_after_review", "total", 5, 0),
    ]
    code, text = check_file(RAW_DIR / "hzq2023.pdf")
    assert code == 1
    assert "四、政府信息公开行政复议、行政诉讼情况" in text and "行“行政复议”" in text and "列“总计”" in text
    assert "按各项计算应为 11，报告印为 0" in text
    assert "第四部分每一类的“总计”应等于结果维持、结果纠正、其他结果、尚未审结之和" in text


def test_hzq2024_narrative_17_vs_table_95() -> None:
    data = _json(RAW_DIR / "hzq2024.pdf")
    assert data["_code"] == 1
    assert _keys(data) == [("R12", "requests", "new_received", "total", 95, 17)]
    _, text = check_file(RAW_DIR / "hzq2024.pdf")
    assert "表格数值为 95，正文写为 17" in text and "受理政府信息公开申请17件" in text
    # the single （六）其他处理 row is accepted (no R09) and listed as a parser note
    assert "（六）其他处理" in text.split("解析提示")[1]


@pytest.mark.parametrize("name", ["szfgs2024.pdf", "xianfeng2021.txt"])
def test_clean_real_reports(name: str) -> None:
    code, text = check_file(RAW_DIR / name)
    assert code == 0, text
    assert "未发现问题" in text


def test_narrative_figures_of_the_real_reports() -> None:
    from pipelines.check import read_report

    def figures(name: str) -> list[tuple[str, int]]:
        return [(t, n) for t, n, _ in narrative_figures(read_report(RAW_DIR / name)[1].text)]

    assert figures("hzq2023.pdf") == [("requests", 21)]
    assert figures("hzq2024.pdf") == [("requests", 17)]
    assert figures("szfgs2024.pdf") == [("requests", 3119), ("review", 351), ("litigation", 46)]
    assert figures("xianfeng2021.txt") == []


def test_xianfeng_lists_cells_not_read_after_the_result() -> None:
    data = _json(RAW_DIR / "xianfeng2021.txt")
    assert data["_code"] == 0 and data["findings"] == []
    cells = {(w["row"], w["column"]) for w in data["warnings"] if w["status"]}
    assert ("partially_granted", "total") in cells and ("denied_state_secret", "natural_person") in cells


def test_clean_text_report(tmp_path: Path) -> None:
    f = tmp_path / "clean.txt"
    f.write_bytes(report_2021())
    code, text = check_file(f)
    assert code == 0, text
    assert "未发现问题" in text


def test_text_report_with_errors(tmp_path: Path) -> None:
    data = report_2021({0: "5\t1\t0\t0\t0\t0\t7", 2: "5\t1\t0\t0\t0\t0\t6"}).decode()
    data = data.replace("本年度工作如下。", "本年新收政府信息公开申请8件，行政复议案件2起，行政诉讼0件。")
    f = tmp_path / "bad.txt"
    f.write_text(data, encoding="utf-8")
    d = _json(f)
    assert d["_code"] == 1
    keys = _keys(d)
    assert ("R01", "requests", "new_received", "total", 6, 7) in keys
    assert ("R12", "requests", "new_received", "total", 7, 8) in keys
    assert ("R12", "review_litigation", "review", "total", 0, 2) in keys
    assert not any(k[0] == "R12" and k[2].startswith("litigation") for k in keys)


def test_narrative_is_conservative() -> None:
    text = "\n".join(
        [
            "某县2022年政府信息公开工作年度报告",
            "一、总体情况",
            "共收到政府信息公开申请120件（含上年结转3件）。",  # includes carried-over: not compared
            "受理政府信息公开申请较上年增加5件。",  # a change, not the count
            "发生行政复议、行政诉讼4件。",  # a shared number
            "受理政府信息公\n开申请 12 件。",  # broken across lines: joined
            "收到政府信息公开申请 1 2 件。",  # digits apart: not a certain number
            "二、主动公开政府信息情况",
            "收到政府信息公开申请99件",
            "五、存在的主要问题及改进情况",
            "行政复议案件3起。",
        ]
    )
    assert "收到政府信息公开申请99件" not in narrative_text(text)
    assert [(t, n) for t, n, _ in narrative_figures(text)] == [("requests", 12), ("review", 3)]


def test_not_a_report(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("购物清单\n苹果 3\n", encoding="utf-8")
    code, text = check_file(f)
    assert code == 2
    assert "\n" not in text and str(f) in text
    code, text = check_file(tmp_path / "missing.pdf")
    assert code == 2 and "missing.pdf" in text
    code, out = check_file(f, "json")
    assert code == 2 and json.loads(out)["file"] == str(f)


def test_json_output_shape() -> None:
    _, out = check_file(RAW_DIR / "hzq2024.pdf", "json")
    data = json.loads(out)
    assert set(data) == {
        "file",
        "agency",
        "report_year",
        "template",
        "read_quality",
        "findings",
        "not_assessable",
        "warnings",
    }
    assert data["read_quality"] == {"status": "complete", "unread_cells": 0, "label_zh": "完整读取"}
    assert set(data["findings"][0]) == {"rule", "table", "row", "column", "expected", "printed", "message_zh"}
    assert "R12" in data["findings"][0]["message_zh"]


def test_pdf_check_time() -> None:
    t = time.perf_counter()
    check_file(RAW_DIR / "hzq2024.pdf")
    assert time.perf_counter() - t < 10
