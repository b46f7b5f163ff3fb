"""Reading uploaded tables (CSV in UTF-8/GBK, or Excel .xlsx) into rows keyed by header.

Row numbers are the ones a user sees in a spreadsheet: the header is row 1."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from matchmaker.errors import ValidationError

MAX_ROWS = 2_000_000


def read(data: bytes, filename: str, required: list[str]) -> list[tuple[int, dict]]:
    """[(row_number, {column: text})]; raises ValidationError naming missing columns."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        header, rows = _xlsx(data)
    elif suffix in (".csv", ".txt", ""):
        header, rows = _csv(data)
    else:
        raise ValidationError(f"不支持的文件类型“{suffix}”，请上传 CSV 或 Excel(.xlsx) 文件",
                              field="file")
    header = [(h or "").strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError("缺少列：" + ", ".join(missing) + "（第1行应为表头）", field="file",
                              details=[{"row": 1, "column": c, "message": "缺少此列"}
                                       for c in missing])
    out = []
    for number, values in rows:
        if not any((v or "").strip() for v in values):
            continue  # blank lines are not rows
        out.append((number, {h: (values[i] if i < len(values) else "").strip()
                             for i, h in enumerate(header) if h}))
        if len(out) > MAX_ROWS:
            raise ValidationError(f"文件超过{MAX_ROWS}行，请拆分后导入", field="file")
    return out


def _csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("无法识别文件编码，请保存为 UTF-8 CSV", field="file")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ValidationError("文件是空的", field="file")
    return header, ((i, row) for i, row in enumerate(reader, start=2))


def _xlsx(data: bytes):
    from openpyxl import load_workbook
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as e:  # openpyxl raises many types for a damaged file
        raise ValidationError(f"无法读取 Excel 文件：{e}", field="file") from e
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ValidationError("文件是空的", field="file")
    return [str(h) if h is not None else "" for h in header], (
        (i, [_cell(v) for v in row]) for i, row in enumerate(rows, start=2))


def _cell(value) -> str:
    import datetime
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (`=cmd|' /C calc'!A0`) is written with a
    leading apostrophe, so it shows as the text it is. Numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(sheets: dict[str, tuple[list[str], list[list]]]) -> bytes:
    """{sheet title: (header, rows)} → .xlsx bytes, formulas neutralized."""
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
