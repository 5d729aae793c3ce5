"""Text from reports, registries and file names, written where it could be taken for something else.

Any agency writes its report's title (the name of an unregistered body comes from it), a registry
is a CSV anyone edits, and a file name is whatever was downloaded: such text may read
`=HYPERLINK("http://…","点击")` or `<img src=x onerror=…>`. It is data, never code:

* in a spreadsheet a text that begins with = + - @, a tab or a carriage return is a formula to
  Excel, WPS and LibreOffice. The workbook (`pipelines/export.py`) writes such values as text
  cells (type string, "quote prefix" set: the cell shows the text and stays text when edited);
  a CSV cannot say "text", so `csv_cell` prefixes them with a single quote ' (OWASP's advice for
  CSV injection: the spreadsheet shows '=… as text; strip the quote to get the value back).
  Numbers are never changed: -3 stays the number -3.
* in a terminal, control characters (escape sequences) are shown as \\x1b rather than sent;
* in the dashboard, every value is escaped on output (pipelines/dashboard_static/app.js) and the
  data files are JSON with < > & and U+2028/2029 escaped (pipelines/dashboard.py).
"""

from __future__ import annotations

import unicodedata
from typing import Any

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_PREFIX = "'"


def formula_like(value: Any) -> bool:
    """A string a spreadsheet would evaluate (numbers are not strings: -3 is not formula-like)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: str) -> str:
    """A CSV field that no spreadsheet evaluates: formula-like text gets a leading '."""
    return CSV_TEXT_PREFIX + value if formula_like(value) else value


def from_csv_cell(value: str) -> str:
    """The text csv_cell was given: the leading ' it adds before a formula-like text is removed."""
    return value[1:] if value.startswith(CSV_TEXT_PREFIX) and formula_like(value[1:]) else value


def printable(text: str) -> str:
    """Text for a terminal: control and bidirectional-format characters shown escaped (\\x1b,
    \\u202e), so a name cannot move the cursor, recolour the screen or reverse what follows."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" or (category == "Cf" and ch not in "\u200d"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
