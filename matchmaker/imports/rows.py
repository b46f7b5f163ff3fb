"""What every import shares. Imports validate every row first (row and column named in each
error, as the user's file names the column) and store nothing when a row is wrong, unless the
caller asks for the valid rows only. Writes then go in batches that are idempotent by key, so an
interrupted import is completed by running it again."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from matchmaker import credit_code
from matchmaker.errors import ValidationError
from matchmaker.i18n import _l

BATCH = 2000  # rows stored per transaction
EMBEDDED_BATCH = 100  # rows embedded and stored per transaction; the progress step


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    skipped_invalid: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class RowErrors:
    """Errors by row and column; a column is named as the user's file names it (`labels`)."""

    def __init__(self, labels: dict[str, str] | None = None):
        self.items: list[dict] = []
        self.labels = labels or {}

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append({"row": row, "column": self.labels.get(column, column),
                           "message": message})

    def report(self, what: str, rows: int, valid_only: bool, **counts) -> ImportReport:
        """The report an import starts from. Any error refuses the whole file (naming the
        first), unless the caller asked for the valid rows only."""
        if self.items and not valid_only:
            first = self.items[0]
            raise ValidationError(
                _l("%(what)s有%(count)s处错误，未导入任何数据。第一处：第%(row)s行「%(column)s」：%(message)s", what=what,
                   count=len(self.items), row=first['row'], column=first['column'],
                message=first['message']), field="file", details=self.items)
        return ImportReport(rows=rows, skipped_invalid=len({e["row"] for e in self.items}),
                            errors=self.items, **counts)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 Feb 1900)


def parse_date(text: str) -> date:
    """'2025-03-15', '2025/3/15', '2025.3.15', '2025年3月15日', '20250315', a date-time's date,
    or an Excel serial (45731). Raises ValueError with a message for the user."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    try:
        if raw.isdigit() and len(raw) == 8:
            value = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        elif raw.isdigit() and len(raw) == 5:
            value = EXCEL_EPOCH + timedelta(days=int(raw))
        elif found := _DATE.fullmatch(raw):
            value = date(*map(int, found.groups()))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(_l("无法识别的日期“%(text)s”", text=text)) from None
    if not 1990 <= value.year <= 2100:
        raise ValueError(_l("日期“%(text)s”超出合理范围", text=text))
    return value


def code_cell(errors: RowErrors, number: int, column: str, text: str) -> str | None:
    try:
        return credit_code.normalize(text)
    except credit_code.InvalidCreditCode as e:
        errors.add(number, column, _l("统一社会信用代码%(problem)s", problem=e.args[0]))
        return None


def pick(options: dict[str, str], text: str) -> str | None:
    """The code a user's cell names in a `lookup` table (exact, else case-insensitive)."""
    return options.get(text) or options.get(text.lower())


def lookup(rows: list[dict]) -> dict[str, str]:
    """code or (Chinese) name → code, for reference lists."""
    out = {}
    for row in rows:
        out[row["code"].lower()] = row["code"]
        out[row["name"]] = row["code"]
    return out


def split_list(text: str) -> list[str]:
    """A cell listing several values (certifications, ...), as its items."""
    return [t for t in (p.strip() for p in re.split(r"[;；、,，/]", text or "")) if t]


def stable_id(prefix: str, *parts: str) -> str:
    """An id derived from a row's natural key, so that importing a file again creates nothing new."""
    return prefix + hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]
