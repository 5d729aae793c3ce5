"""Hostile files through the parser (tests/hostile.py builds them): each is quarantined with a
one-line reason naming its limit, or read as the report it also is, in bounded time and memory."""

from __future__ import annotations

import signal
import warnings
from pathlib import Path

import pytest

from pipelines.model import ParseError
from pipelines.parse_worker import ParsePool
from pipelines.parsing import parse_bytes
from tests import hostile

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
# Seconds any hostile file may take in the tests (its reader stops it well before; the run's own
# limit, limits.PARSE_TIME_LIMIT_S, is 120 s).
TEST_TIME_LIMIT_S = 60
# Peak resident memory a fresh parse worker may reach on any hostile file (the largest corpus file
# peaks at ~110 MB; limits.WORKER_MEMORY_BYTES allows 2 GB).
PEAK_LIMIT_MIB = 400


class _Slow(BaseException):
    pass


def _parse(data: bytes, name: str):
    def alarm(signum: int, frame: object) -> None:
        raise _Slow()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(TEST_TIME_LIMIT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_bytes(data, name)
    except _Slow:
        pytest.fail(f"{name}: no answer within {TEST_TIME_LIMIT_S} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("name", [n for n, (_, fragment) in hostile.HOSTILE.items() if fragment])
def test_hostile_file_is_refused_with_its_reason(name: str) -> None:
    build, fragment = hostile.HOSTILE[name]
    with pytest.raises(ParseError) as err:
        _parse(build(), name)
    reason = err.value.reason
    assert fragment in reason, reason
    assert "\n" not in reason and len(reason) < 400


def _cells(report) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    return {(c.table, c.row, c.column): (c.value, c.status) for c in report.cells}


@pytest.mark.parametrize(
    "name", [n for n, (_, fragment) in hostile.HOSTILE.items() if not fragment and n.endswith(".html")]
)
def test_hostile_html_still_reads_the_report(name: str) -> None:
    """An entity bomb's entities are not expanded (nor an external one read), a structure nested
    100,000 deep, rows of colspan/rowspan bombs and a 5,000-digit colspan do not change what the
    page's report reads as."""
    build, _ = hostile.HOSTILE[name]
    expected = _cells(parse_bytes(hostile.HTML.read_bytes(), hostile.HTML.name))
    report = _parse(build(), name)
    assert _cells(report) == expected
    if name == "laughs.html":
        from pipelines.parsing import parse_bytes_with_grid

        text = parse_bytes_with_grid(build(), name)[1].text
        assert "lollol" not in text and "root:" not in text  # neither expanded nor read from /etc/passwd


@pytest.mark.parametrize(
    "name", [n for n, (_, fragment) in hostile.HOSTILE.items() if not fragment and n.endswith(".pdf")]
)
def test_hostile_pdf_loops_and_nesting_end(name: str) -> None:
    """A page tree that contains itself, a form that draws itself, arrays nested 200,000 deep:
    the file is read to its end (and is no report)."""
    build, _ = hostile.HOSTILE[name]
    with pytest.raises(ParseError) as err:
        _parse(build(), name)
    assert "no report year" in err.value.reason


def test_oversized_bytes_are_not_parsed() -> None:
    from pipelines.limits import MAX_FILE_BYTES

    with pytest.raises(ParseError, match=r"over the 50.0 MB limit for one report file"):
        parse_bytes(b"%PDF-1.7\n" + b" " * MAX_FILE_BYTES, "big.pdf")


def test_zip_total_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members each within the limits can still add up past MAX_ZIP_TOTAL_BYTES."""
    from pipelines.formats import office

    monkeypatch.setattr(office, "MAX_ZIP_TOTAL_BYTES", 1 << 20)
    data = hostile.rezip(
        hostile.DOCX.read_bytes(), {}, add={f"media/{i}.bin": bytes(range(256)) * 1024 for i in range(8)}
    )
    with pytest.raises(ParseError, match=r"DOCX package unpacks to 2.8 MB, over the 1.0 MB limit"):
        parse_bytes(data, "total.docx")


def test_peak_memory_of_each_hostile_file(tmp_path: Path) -> None:
    """Each hostile file parsed in a fresh worker process: the peak resident memory of that process
    stays under PEAK_LIMIT_MIB; the table goes to build/test-artifacts/hostile-peak-memory.txt."""
    hostile.write_all(tmp_path)
    hostile.sparse_file(tmp_path / "sparse-60MB.pdf", 60 << 20)
    files = sorted(tmp_path.iterdir())
    pool = ParsePool(workers=2, tasks_per_worker=1, time_limit=TEST_TIME_LIMIT_S)
    peaks: dict[str, tuple[float, str]] = {}
    for outcome in pool.run((p.name, (str(p),)) for p in files):
        reason = outcome.reason or f"parsed: {outcome.report.agency} {outcome.report.report_year}"
        peaks[str(outcome.key)] = (outcome.peak_rss_kib / 1024, reason)
    lines = [f"{'file':<24}{'bytes':>12}{'peak MiB':>10}  reason"]
    for p in files:
        mib, reason = peaks[p.name]
        lines.append(f"{p.name:<24}{p.stat().st_size:>12,}{mib:>10.0f}  {reason}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "hostile-peak-memory.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    assert set(peaks) == {p.name for p in files}
    assert not [r for _, r in peaks.values() if "took longer" in r or "died" in r or "out of memory" in r]
    assert max(mib for mib, _ in peaks.values()) < PEAK_LIMIT_MIB
