"""A number read by OCR is believed only when the table confirms it (issue 16).

OCR turns 0 into o/O, 8 into 3, 6 into 9, drops a digit. After the aligner has placed an OCR'd
grid, every number it placed is judged here, with the template's own identities (R01–R04,
`template.identities`):

1. a candidate is a number whose table box holds no ink outside the words OCR read there (a digit
   the detector missed: "7 9" printed apart read as "9"), read as a number with nothing made up
   (digits, a decimal point or thousands commas, a sign, a unit: never a letter taken for a digit)
   with confidence ≥ MIN_DIGIT_CONFIDENCE (by the page read, or by the re-read of its crop when
   both read the same); anything else placed as a number is `unreadable`;
2. an identity whose operands are all candidates and that does not hold makes every one of its
   operands `unreadable` — unless every operand was read twice alike (the page read and the
   re-read of its crop upscaled) with high confidence: then the numbers stand and the finding
   the rules raise on them is a double-read finding; repeated until no such identity is left;
3. a candidate is kept when an identity it takes part in holds with all its operands candidates,
   or when it was read twice alike; otherwise `unreadable` (needs review, 待人工核对).
   Zeros the aligner infers from a printed 0 total are not taken (the box may be printed blank).

A mixed PDF (ocr/mixed.py: text with pages or tables that are pictures): a cell with no OCR
provenance was printed in the text layer and is taken as printed — a candidate and "read twice"
in every identity, never made unreadable by one; only its OCR'd operands are. Every row not found
is `unreadable` there too (it may be in a picture OCR did not read).

Never guessed, never 0: an unreadable cell has no value and is no rule's operand. A box that holds
ink but read as nothing is `unreadable`, not `blank`; a row OCR did not find is `unreadable`, not
`absent` (OCR cannot prove a row is not printed, R09).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..grid import is_blank_token
from ..model import ParsedCell, ParsedReport, ParseWarning
from ..template import identities
from .limits import MAX_STRAY_INK_PIXELS, MIN_DIGIT_CONFIDENCE

if TYPE_CHECKING:
    from .provenance import OcrCell, OcrGrid

Key = tuple[str, str, str]


def _key(c: ParsedCell) -> Key:
    return (c.table, c.row, c.column)


def confirm(report: ParsedReport, grid: OcrGrid) -> ParsedReport:
    """The report with every OCR'd number it cannot confirm made unreadable (in place; returned)."""
    cells = {_key(c): c for c in report.cells}
    prov: dict[Key, OcrCell | None] = {k: grid.provenance(c.source) if c.source else None for k, c in cells.items()}
    notes: list[ParseWarning] = []

    def unread(k: Key, why: str) -> None:
        c = cells[k]
        p = prov[k]
        where = f" at {c.source}" if c.source else ""
        printed = f" OCR read {p.text!r}" if p is not None and p.text else ""
        notes.append(ParseWarning(f"{'.'.join(k)}: needs review:{printed} {why}{where}".strip(), *k))
        c.value, c.status = None, "unreadable"
        if p is not None and p.text:
            c.raw_text = p.text

    clean: set[Key] = set()
    inferred: set[Key] = set()
    printed: set[Key] = set()  # a mixed PDF's text-layer numbers: taken as printed
    for k, c in cells.items():
        p = prov[k]
        if c.status != "absent" and grid.from_text_layer(c.source):
            total_key = ("requests", "total_processed", k[2])
            if c.status == "inferred" and not (total_key in cells and grid.from_text_layer(cells[total_key].source)):
                unread(k, "a zero inferred from a total OCR read is not taken")
            elif c.status in ("value", "placed", "inferred"):
                printed.add(k)
            continue
        if c.status == "absent":
            unread(k, "the row was not found by OCR (OCR cannot prove a row is not printed)")
        elif c.status == "blank":
            if p is not None and p.ink and not p.text.strip():
                unread(k, "the box holds marks OCR could not read")
            elif p is not None and p.text.strip() and (p.conf < MIN_DIGIT_CONFIDENCE or not is_blank_token(p.text)):
                unread(k, f"a blank mark read with confidence {p.conf:.2f}")
        elif c.status in ("value", "placed"):
            if p is None:
                unread(k, "placed from text whose OCR provenance is lost")
            elif not p.clean_numeral:
                unread(k, "not a clean numeral (a letter or mark where a digit should be?)")
            else:
                clean.add(k)
        elif c.status == "inferred":
            # a zero the aligner infers under a printed 0 total fills a box OCR did not read: on a
            # scan that box may be printed blank (seen on the fax scan), so it is left to a person
            unread(k, "not read by OCR (a zero inferred from the total is not taken from a scan)")

    if grid.measure_ink is not None:
        grid.measure_ink([prov[k] for k in sorted(clean)])  # type: ignore[misc]
    for k in sorted(clean):
        p = prov[k]
        if p is not None and p.stray_ink > MAX_STRAY_INK_PIXELS:
            clean.discard(k)
            unread(k, f"the box holds ink outside what OCR read ({p.stray_ink} px): a digit missed?")

    idents = [
        (
            i.check_id,
            [(r.table, r.row, r.column) for r in i.total_side],
            [(r.table, r.row, r.column) for r in i.parts_side],
        )
        for i in identities(report.template)
    ]
    reread_done: set[Key] = set()

    def read_again(keys: set[Key]) -> None:
        todo = sorted(k for k in keys if k not in reread_done and k in clean and prov[k] is not None)
        if todo and grid.reread is not None:
            grid.reread([prov[k] for k in todo])  # type: ignore[misc]
        reread_done.update(todo)

    def candidates_now() -> set[Key]:
        return {k for k in clean if prov[k].confident} | inferred | printed  # type: ignore[union-attr]

    def state(total: list[Key], parts: list[Key], candidates: set[Key]) -> str:
        keys = total + parts
        if not all(k in candidates for k in keys):
            return "unknown"
        a = sum(cells[k].value or 0.0 for k in total)
        b = sum(cells[k].value or 0.0 for k in parts)
        return "holds" if abs(a - b) < 1e-6 else "fails"

    def confirmed_by(candidates: set[Key]) -> set[Key]:
        out: set[Key] = set()
        for _, total, parts in idents:
            if state(total, parts, candidates) == "holds":
                out.update(total + parts)
        return out

    # The second read, only where it can decide: numbers read with low confidence, the operands
    # of an identity that fails, and numbers no identity confirms.
    first = candidates_now()
    need = {k for k in clean if prov[k].conf < MIN_DIGIT_CONFIDENCE}  # type: ignore[union-attr]
    for _, total, parts in idents:
        if state(total, parts, first) == "fails":
            need.update(total + parts)
    need |= first - confirmed_by(first)
    read_again(need)
    candidates = candidates_now()
    for k in sorted(clean - candidates):
        p = prov[k]
        assert p is not None
        again = f", read again as {p.reread!r} ({p.reread_conf:.2f})" if k in reread_done else ""
        unread(k, f"read with confidence {p.conf:.2f}{again}: below {MIN_DIGIT_CONFIDENCE}")

    def double(k: Key) -> bool:
        p = prov[k]
        if k in printed:
            return True
        # a number mended of a speck stands only on an identity; digits printed apart and joined
        # stand on a second read that reads the same digits
        return k in clean and p is not None and p.double_read and (not p.joined or p.spaced)

    changed = True
    while changed:
        changed = False
        for check_id, total, parts in idents:
            if state(total, parts, candidates) != "fails":
                continue
            # an identity that fails only now (its last operand became a candidate on its second
            # read) has operands not yet read twice: they are, before it is judged
            read_again(set(total + parts))
            if all(double(k) for k in total + parts):
                continue  # printed as read, twice alike: the rules may judge it
            for k in total + parts:
                if k in candidates and k not in printed:
                    candidates.discard(k)
                    unread(k, f"{check_id} does not hold with the numbers OCR read")
            changed = True

    confirmed = confirmed_by(candidates)
    for _, total, parts in idents:  # an identity that fails here was read twice alike throughout
        if state(total, parts, candidates) == "fails":
            confirmed.update(total + parts)
    read_again(candidates - confirmed)
    for k in sorted(candidates):
        if k in confirmed or double(k):
            continue
        unread(k, "no identity of the table confirms it and its second read does not agree")
    n_ocr = sum(1 for k in cells if prov[k] is not None)
    kept = sum(1 for c in cells.values() if c.status in ("value", "placed", "inferred"))
    report.warnings.append(
        ParseWarning(
            f"read by OCR ({grid.engine}, {grid.pages} page(s)): {kept} numbers confirmed by the table's "
            f"identities or a double read, {sum(1 for n in notes)} cells need review; {n_ocr} cells from OCR boxes"
        )
    )
    report.warnings.extend(notes)
    return report
