"""The inventory of the raw folder with hostile entries: symbolic links (out of the folder, to a
folder, in a loop, dangling, inside), a named pipe, names with spaces, newlines and bytes that are
not UTF-8, the same bytes under two names, a file changing while it is read, an oversized file, a
file dated in the year 33658."""

from __future__ import annotations

import os
import random
import signal
import unicodedata
from pathlib import Path

import pytest

from pipelines import inventory
from pipelines.inventory import CHANGING, SPECIAL, SYMLINK
from pipelines.inventory import inventory as take_inventory
from pipelines.parse_worker import parse_one, read_listed_file
from tests.conftest import RAW_DIR

REPORT = RAW_DIR / "hzq2024.pdf"


@pytest.fixture(autouse=True)
def _no_hang():
    """A read that blocks (a pipe opened for reading) fails the test instead of hanging it."""

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError("the inventory blocked")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _by_path(raw: Path) -> dict[str, inventory.RawFile]:
    return {f.path: f for f in take_inventory(raw)}


def test_symbolic_links_are_listed_not_followed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(REPORT.read_bytes())
    (outside / "agencies.csv").write_text("agency_id,name\nx,y\n", encoding="utf-8")
    raw.mkdir()
    (raw / "report.pdf").write_bytes(REPORT.read_bytes())
    (raw / "to-file-outside.pdf").symlink_to(outside / "secret.pdf")
    (raw / "to-folder-outside").symlink_to(outside, target_is_directory=True)
    (raw / "loop").symlink_to(raw, target_is_directory=True)  # a folder that contains itself
    (raw / "self.pdf").symlink_to(raw / "self.pdf")  # ELOOP
    (raw / "a.pdf").symlink_to(raw / "b.pdf")
    (raw / "b.pdf").symlink_to(raw / "a.pdf")
    (raw / "dangling.pdf").symlink_to(tmp_path / "nothing.pdf")
    (raw / "inside.pdf").symlink_to("report.pdf")
    (raw / "agencies.csv").symlink_to(outside / "agencies.csv")
    (raw / "dev-zero.txt").symlink_to("/dev/zero")

    files = _by_path(raw)
    assert files["report.pdf"].format == "pdf"
    links = {p: f for p, f in files.items() if f.format == SYMLINK}
    assert set(links) == {
        "to-file-outside.pdf",
        "to-folder-outside",
        "loop",
        "self.pdf",
        "a.pdf",
        "b.pdf",
        "dangling.pdf",
        "inside.pdf",
        "agencies.csv",
        "dev-zero.txt",
    }
    notes = {p: f.note for p, f in links.items()}
    assert "a file outside the raw folder: not followed" in notes["to-file-outside.pdf"]
    assert "a folder outside the raw folder: not followed" in notes["to-folder-outside"]
    assert "a folder inside the raw folder: not followed" in notes["loop"]
    assert "a loop: not followed" in notes["self.pdf"] and "a loop" in notes["a.pdf"]
    assert "which does not exist" in notes["dangling.pdf"]
    assert "a file inside the raw folder: not followed" in notes["inside.pdf"]
    assert all(f.size == 0 and len(f.sha256) == 64 for f in links.values())
    assert len({f.sha256 for f in links.values()} | {files["report.pdf"].sha256}) == len(links) + 1
    # nothing reached through a link: not the secret, not the folder, not the loop, not the registry
    assert not [p for p in files if p.startswith(("to-folder-outside/", "loop/"))]
    assert list(inventory.raw_files(raw)) == [raw / "report.pdf"]
    assert list(inventory.metadata_files(raw, "agencies.csv")) == []


def test_a_named_pipe_is_listed_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.pdf")  # opening it for reading would wait for a writer forever
    (files,) = take_inventory(tmp_path)
    assert (files.path, files.format) == ("pipe.pdf", SPECIAL)
    assert files.note == "a named pipe (FIFO), not a regular file: not read"


def test_names_with_spaces_newlines_and_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    data = REPORT.read_bytes()
    names = {
        b"with space.pdf": "with space.pdf",
        b"new\nline.pdf": "new\\nline.pdf",
        b"tab\t.pdf": "tab\\t.pdf",
        b"gbk-\xba\xbc\xd6\xdd.pdf": "gbk-\\xba\\xbc\\xd6\\xdd.pdf",
        b"back\\slash.pdf": "back\\\\slash.pdf",
        b"\xe6\x8a\xa5\xe5\x91\x8a.pdf": "报告.pdf",
        b"bidi\xe2\x80\xaefdp.pdf": "bidi\\u202efdp.pdf",
    }
    sub = os.path.join(os.fsencode(tmp_path), b"dir \xff")
    os.mkdir(sub)
    for raw_name in names:
        with open(os.path.join(sub, raw_name), "wb") as f:
            f.write(data)
    files = take_inventory(tmp_path)
    assert sorted(f.path for f in files) == sorted(f"dir \\xff/{shown}" for shown in names.values())
    for f in files:
        assert _printable(f.path) and f.format == "pdf"
        real = inventory.os_path(tmp_path, f.path)
        assert read_listed_file(real, f.sha256) == data  # the escaping leads back to the very file
    report, reason = parse_one(inventory.os_path(tmp_path, "dir \\xff/new\\nline.pdf"))
    assert reason is None and report is not None and report.report_year == 2024


def _printable(text: str) -> bool:
    """No control, formatting, separator-of-lines or surrogate character (spaces, U+3000 included, stay)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co") for ch in text)


def test_printable_paths_round_trip() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        raw = bytes(rng.choice(b"ab/\\\n\t\x00\x7f\x80\xc3\xa9\xe2\x80\xae\xf0\x9f\x98\x80 xnu") for _ in range(12))
        shown = inventory.printable(raw)
        assert _printable(shown) and inventory.unprintable(shown) == raw


def test_same_bytes_under_two_names(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(REPORT.read_bytes())
    (tmp_path / "copy of a.pdf").write_bytes(REPORT.read_bytes())
    a, b = take_inventory(tmp_path)
    assert (a.path, b.path) == ("a.pdf", "copy of a.pdf") and a.sha256 == b.sha256
    assert b.note == "same bytes as a.pdf (parsed once)"


def test_a_file_changing_while_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read sees the file grow (a download still being written): listed as changing, never
    hashed half-written; a file that settles between two attempts is read whole."""
    path = tmp_path / "growing.pdf"
    path.write_bytes(REPORT.read_bytes())
    real_read = inventory._read_fd
    growths = {"left": 99}

    def read_while_written(fd: int, cap: int) -> bytes:
        data = real_read(fd, cap)
        if growths["left"] > 0:
            growths["left"] -= 1
            with open(path, "ab") as f:
                f.write(b"% appended while read\n")
        return data

    monkeypatch.setattr(inventory, "_read_fd", read_while_written)
    (changing,) = take_inventory(tmp_path)
    assert changing.format == CHANGING
    assert changing.note == (
        "file changed while it was read (3 attempts): not parsed this run; the next run reads it again"
    )

    growths["left"] = 1  # changes during the first attempt only
    (settled,) = take_inventory(tmp_path)
    assert settled.format == "pdf" and settled.size == path.stat().st_size
    assert read_listed_file(str(path), settled.sha256) == path.read_bytes()


def test_a_file_changed_after_the_inventory_is_not_parsed_as_listed(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(REPORT.read_bytes())
    (listed,) = take_inventory(tmp_path)
    path.write_bytes(REPORT.read_bytes() + b"% edited\n")
    report, reason = parse_one(str(path), listed.sha256)
    assert report is None
    assert reason is not None and reason.startswith("file changed since the inventory read it (sha256 ")
    assert reason.endswith("not parsed this run; the next run reads it again")


def test_a_symbolic_link_swapped_in_after_the_inventory_is_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(REPORT.read_bytes())
    (listed,) = take_inventory(tmp_path)
    path.unlink()
    path.symlink_to("/etc/passwd")
    report, reason = parse_one(str(path), listed.sha256)
    assert report is None and reason == "cannot read file: Too many levels of symbolic links"


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    """A 1 TB sparse file: listed with its size at once, never read nor hashed whole."""
    from tests.hostile import sparse_file

    sparse_file(tmp_path / "huge.pdf", 1 << 40)
    with open(tmp_path / "huge.pdf", "r+b") as f:
        f.write(b"%PDF-1.7\n")
    (f,) = take_inventory(tmp_path)
    assert (f.size, f.format, f.note) == (1 << 40, "pdf", "over the size limit")
    _report, reason = parse_one(str(tmp_path / "huge.pdf"), f.sha256)
    assert reason == (
        "file is 1,048,576.0 MB, over the 50.0 MB limit for one report file (limits.MAX_FILE_BYTES): not read"
    )


def test_a_modification_time_no_datetime_can_hold() -> None:
    """ext4 clamps times to 2446; tmpfs keeps the year 33658, which datetime cannot hold."""
    import shutil
    import tempfile

    if not os.path.isdir("/dev/shm"):
        pytest.skip("no tmpfs at /dev/shm")
    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        path = folder / "future.txt"
        path.write_text("2024年 政府信息公开工作年度报告\n", encoding="utf-8")
        os.utime(path, (1e12, 1e12))
        if os.stat(path).st_mtime != 1e12:
            pytest.skip("this file system clamps modification times")
        (f,) = take_inventory(folder)
        assert f.modified_at is None and f.format == "text" and f.size == path.stat().st_size
    finally:
        shutil.rmtree(folder)


def test_the_sensor_fingerprint_sees_links_and_odd_names(tmp_path: Path) -> None:
    """The sensor's fingerprint of the raw folder: no error on a name that is not UTF-8, and a new
    symbolic link or pipe changes it (the run that reports them is started)."""
    from pipelines.resources import WarehouseResource
    from pipelines.schedules import raw_fingerprint

    raw = tmp_path / "raw"
    raw.mkdir()
    with open(os.path.join(os.fsencode(raw), b"odd \xff\n.pdf"), "wb") as f:
        f.write(b"%PDF-1.7\n")
    resource = WarehouseResource(raw_dir=str(raw), path=str(tmp_path / "w.duckdb"))
    before = raw_fingerprint(resource)
    (raw / "link.pdf").symlink_to("/etc/passwd")
    after_link = raw_fingerprint(resource)
    os.mkfifo(raw / "pipe.pdf")
    assert len({before, after_link, raw_fingerprint(resource)}) == 3
