"""Reading uploaded tables (CSV in UTF-8/GBK, or Excel .xlsx) into rows keyed by header.

Row numbers are the ones a user sees in a spreadsheet: the header is row 1. Every limit here
holds whatever a file declares about itself, so a hostile upload costs bounded time and memory."""
from __future__ import annotations

import codecs
import csv
import gc
import io
import zipfile
from array import array
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from xml.parsers import expat

from matchmaker.columns import describe, recognize
from matchmaker.errors import ValidationError
from matchmaker.i18n import Text, _l

MAX_ROWS = 2_000_000        # the command line
WEB_MAX_ROWS = 200_000      # a web preview holds the whole table in one worker's memory
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767     # Excel's own limit for one cell
MAX_RECORD_CHARS = 1 << 20  # one CSV row: the csv module makes a list of its fields at once
XLSX_MAX_PARTS = 1_000      # a workbook has a few dozen parts
XLSX_MAX_UNPACKED = 128 << 20
XLSX_MAX_ROW_ELEMENTS = 4 * 16_384  # Excel's 16,384 columns, a few elements per cell
XLSX_MAX_OTHER_ELEMENTS = 200_000   # styles, merged cells, hyperlinks, … outside the rows
XLSX_MAX_SHARED_STRINGS = 1_000_000
XLSX_MAX_TEXT = 1 << 20


class Table(list):
    """[(row_number, Row)] as read, with what the header said: `labels` {column: the file's own
    header text} for messages in the user's words, `scales` {column: unit factor} (amounts in
    万元), `unrecognized` headers, and the `sheet` read."""
    labels: dict[str, str]
    scales: dict[str, int]
    unrecognized: list[str]
    sheet: str | None


def read(data: bytes, filename: str, required: list[str], max_rows: int = MAX_ROWS,
         columns: list[str] | None = None, remembered: dict[str, str] | None = None,
         sheet: str | None = None) -> Table:
    """The table of an upload, each Row mapping the importer's column names to text. Headers are
    recognized in Chinese or English (`columns`: the importer's columns, see matchmaker.columns;
    `remembered`: the user's own mapping of headers). In a workbook, the sheet named `sheet`, or
    else the first whose headers name every `required` column. Raises ValidationError naming
    missing columns, the row (and column) of an oversize cell, or the limit passed."""
    columns = columns or required
    suffix = Path(filename or "").suffix.lower()

    def fits(cells) -> bool:
        named = {c.name for c in recognize(cells, columns, remembered).values()}
        return all(c in named for c in required)
    if suffix == ".xlsx":
        header, rows, sheet = _xlsx(data, max_rows, sheet, fits)
    elif suffix in (".csv", ".txt", ""):
        header, rows = _csv(data)
    else:
        raise ValidationError(_l("不支持的文件类型“%(suffix)s”，请上传 CSV 或 Excel(.xlsx) 文件", suffix=suffix),
                              field="file")
    table = Table()
    header = _header(header, required, columns, remembered, table)
    table.sheet = sheet
    names = {name: i for i, name in enumerate(header) if name}
    width = len(header)
    with bulk():
        for number, values in rows(width):
            # Counted by row number, blank rows included, so no file makes unbounded work.
            if number > max_rows + 1:
                raise ValidationError(_l("文件超过%(max_rows)s行，请拆分后导入", max_rows=max_rows),
                                      field="file")
            cells = tuple(map(str.strip, values[:width]))  # cells past the header are no data
            if not any(cells):
                continue  # blank lines are not rows
            if max(map(len, cells)) > MAX_CELL_CHARS:
                raise _oversize(number, [table.labels.get(h, h) for h in header], cells)
            table.append((number, Row(names, cells)))
    return table


@contextmanager
def bulk():
    """Python's cycle collector paused while a table, or the rows made from it, are built: they
    hold no cycles, and the collector would walk every row built so far again and again (half
    the time of reading a million-row CSV)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Row(Mapping):
    """One row's cells as a single text and where each cell starts and ends, over the header
    that all rows share: a str per cell costs some 50 bytes besides its text, and a dict per row
    more."""
    __slots__ = ("_columns", "_text", "_bounds")

    def __init__(self, columns: dict[str, int], cells: tuple[str, ...]):
        self._columns = columns
        self._text = "".join(cells)
        self._bounds = array("I", accumulate(map(len, cells), initial=0))

    def __getitem__(self, column: str) -> str:
        value = self.get(column)
        if value is None:
            raise KeyError(column)
        return value

    def get(self, column: str, default=None):  # an importer reads every cell of a row with it
        index = self._columns.get(column)
        if index is None:
            return default
        bounds = self._bounds
        return self._text[bounds[index]:bounds[index + 1]] if index + 1 < len(bounds) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def _header(cells, required: list[str], columns: list[str], remembered,
            table: Table) -> list[str]:
    """The importer's name for each of the file's columns ("" for one it does not use)."""
    cells = [str(c or "") for c in cells]
    while cells and not cells[-1].strip():
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise ValidationError(_l("表头有%(count)s列，超过%(MAX_COLUMNS)s列的上限，请删除多余的列", count=len(cells),
                              MAX_COLUMNS=MAX_COLUMNS),
                              field="file")
    found = recognize(cells, columns, remembered)
    table.labels = {c.name: c.label for c in found.values()}
    table.scales = {c.name: c.scale for c in found.values() if c.scale != 1}
    table.unrecognized = [c.strip() for i, c in enumerate(cells) if i not in found and c.strip()]
    missing = [c for c in required if c not in table.labels]
    if missing:
        names = "、".join(f"{describe(c)}（{c}）" for c in missing)
        raise ValidationError(_l("缺少列：%(names)s（第1行应为表头）", names=names), field="file",
                              details=[{"row": 1, "column": c, "message": _l("缺少此列"),
                                        "missing": describe(c)} for c in missing] + [
                                  {"row": 1, "column": c, "message": _l("未识别的列"),
                                   "unrecognized": True} for c in table.unrecognized])
    return [found[i].name if i in found else "" for i in range(len(cells))]


def _oversize(number: int, header: list[str], cells: tuple[str, ...]) -> ValidationError:
    index = next(i for i, cell in enumerate(cells) if len(cell) > MAX_CELL_CHARS)
    column = header[index] or _l("第%(n)s列", n=index + 1)
    message = _l("单元格超过%(n)s个字符", n=MAX_CELL_CHARS)
    return ValidationError(_l("第%(number)s行「%(column)s」：%(message)s", number=number, column=column,
                           message=message), field="file",
                           details=[{"row": number, "column": column, "message": message}])


# ------------------------------------------------------------------------------------ CSV

class _RowTooLong(Exception):
    pass


def _csv(data: bytes):
    # Decoded as it is read: a str of the whole file would take up to four times its size.
    lines = _Lines(io.TextIOWrapper(io.BytesIO(data), encoding=_encoding(data), newline=""))
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except (csv.Error, _RowTooLong) as e:
        raise _unreadable(1, e) from e
    if header is None:
        raise ValidationError(_l("文件是空的"), field="file")

    def rows(width: int):
        number, lines.row_chars = 1, 0
        try:
            for number, row in enumerate(reader, start=2):
                lines.row_chars = 0
                yield number, row
        except (csv.Error, _RowTooLong) as e:
            raise _unreadable(number + 1, e) from e
    return header, rows


def _encoding(data: bytes) -> str:
    """UTF-8 or else GB18030 (a superset of GBK), checked a megabyte at a time."""
    step = 1 << 20
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), step):
                decoder.decode(data[start:start + step])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(_l("无法识别文件编码，请保存为 UTF-8 CSV"), field="file")


class _Lines:
    """The file's lines for the csv module, which makes a list of a row's fields at once (a
    20 MB row of commas is ten million fields): the reader of the rows resets `row_chars` at
    each row, and a row, which quoted line breaks may spread over many lines, is bounded."""

    def __init__(self, stream):
        self.stream, self.row_chars = stream, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.row_chars += len(line)
        if self.row_chars > MAX_RECORD_CHARS:
            raise _RowTooLong
        return line


def _unreadable(number: int, error: Exception) -> ValidationError:
    if isinstance(error, _RowTooLong):
        message = _l("一行超过%(n)s个字符", n=MAX_RECORD_CHARS)
    elif "field larger than field limit" in str(error):
        message = _l("有单元格超过%(n)s个字符", n=MAX_CELL_CHARS)
    else:
        message = _l("无法解析（%(error)s）", error=str(error))
    return ValidationError(_l("第%(number)s行：%(message)s", number=number, message=message),
                           field="file",
                           details=[{"row": number, "column": "", "message": message}])


# ---------------------------------------------------------------------------------- Excel

def _xlsx(data: bytes, max_rows: int, name: str | None, fits):
    """(header, rows, sheet name) of the sheet called `name`, or of the first whose header
    `fits`, or of the first sheet."""
    _check_parts(data, max_rows)
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if name and name not in book.sheetnames:
            raise ValidationError(_l("没有名为“%(name)s”的工作表（有：%(join)s）", name=name,
                                  join='、'.join(book.sheetnames)),
                                  field="sheet")
        candidates = [book[name]] if name else book.worksheets
        headers = []
        for sheet in candidates:
            sheet.reset_dimensions()  # the file's <dimension> may claim 16,384 × 1,048,576 cells
            headers.append([str(h) if h is not None else "" for h in next(
                sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS + 1, values_only=True), ())])
    except ValidationError:
        raise
    except Exception as e:  # openpyxl raises many types for a damaged file
        raise ValidationError(_l("无法读取 Excel 文件：%(e)s", e=e), field="file") from e
    chosen = next((i for i, h in enumerate(headers) if fits(h)), 0)
    sheet, header = candidates[chosen], headers[chosen]

    def rows(width: int):
        number = 1
        try:
            for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=width,
                                                         values_only=True), start=2):
                # openpyxl gives a row of None for each row missing between two in the file
                yield number, [_cell(v) for v in row] if row.count(None) < len(row) else ()
        except Exception as e:  # damage further on in the sheet
            raise ValidationError(_l("无法读取 Excel 文件第%(n)s行：%(e)s", n=number + 1, e=e),
                                  field="file") from e
    return header, rows, sheet.title


def _check_parts(data: bytes, max_rows: int) -> None:
    """Refuse a workbook whose parts would unpack, or parse, past the limits. zipfile reads no
    further than a part's declared size, so the declared sizes bound the unpacking."""
    # zipfile turns its whole directory into objects on opening: count the entries first.
    if data.count(b"PK\x01\x02") > XLSX_MAX_PARTS:
        raise ValidationError(_l("Excel 文件的部件超过%(XLSX_MAX_PARTS)s个，无法读取",
                              XLSX_MAX_PARTS=XLSX_MAX_PARTS), field="file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValidationError(_l("无法读取 Excel 文件：%(e)s", e=e), field="file") from e
    if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED:
        raise ValidationError(_l("Excel 文件解压后超过%(n)sMB，请拆分后导入，或另存为 CSV", n=XLSX_MAX_UNPACKED >> 20),
                              field="file")
    budget = _XmlBudget(max_rows)
    for info in archive.infolist():
        try:
            with archive.open(info) as part:
                budget.scan(part)
        except ValidationError:
            raise
        except Exception as e:  # a damaged or encrypted part
            raise ValidationError(_l("无法读取 Excel 文件：%(e)s", e=e), field="file") from e


class _XmlBudget:
    """Counts, with expat and before openpyxl runs, what openpyxl's parser would hold: a few
    bytes of XML can cost it 300. It keeps a husk of every row and shared string it has read,
    every other element until the part ends, and a whole row or string while reading it."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.others = XLSX_MAX_OTHER_ELEMENTS
        self.strings = XLSX_MAX_SHARED_STRINGS
        self.rows = 0     # left in this part
        self.depth = 0    # within a row or shared string
        self.elements = 0  # in the current row or shared string
        self.text = 0     # characters of the current text

    def scan(self, part) -> None:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        self.rows, self.depth = self.max_rows + 1, 0
        try:
            while chunk := part.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # not XML (an image, say), and openpyxl's parser stops where expat does

    def _doctype(self, *_):
        # No part of a workbook has a DTD; entity expansion is how XML bombs work.
        raise ValidationError(_l("Excel 文件含有 DTD 声明，无法读取"), field="file")

    def _start(self, name, _attributes):
        self.text = 0
        if self.depth:
            self.depth += 1
            self.elements += 1
            if self.elements > XLSX_MAX_ROW_ELEMENTS:
                raise ValidationError(_l("Excel 文件的一行超过%(XLSX_MAX_ROW_ELEMENTS)s个元素，无法读取",
                                      XLSX_MAX_ROW_ELEMENTS=XLSX_MAX_ROW_ELEMENTS), field="file")
            return
        tag = name.rpartition(":")[2]
        if tag == "row":
            self.rows -= 1
            if self.rows < 0:
                raise ValidationError(_l("文件超过%(max_rows)s行，请拆分后导入", max_rows=self.max_rows),
                                      field="file")
        elif tag == "si":
            self.strings -= 1
            if self.strings < 0:
                raise ValidationError(_l("Excel 文件的文本超过%(XLSX_MAX_SHARED_STRINGS)s项，请另存为 CSV 后导入",
                                      XLSX_MAX_SHARED_STRINGS=XLSX_MAX_SHARED_STRINGS),
                                      field="file")
        else:
            self.others -= 1
            if self.others < 0:
                raise ValidationError(_l("Excel 文件的结构过于庞大，请另存为 CSV 后导入"),
                                      field="file")
            return
        self.depth, self.elements = 1, 0

    def _end(self, _name):
        self.text = 0
        if self.depth:
            self.depth -= 1

    def _characters(self, text):
        self.text += len(text)
        if self.text > XLSX_MAX_TEXT:
            raise ValidationError(_l("Excel 文件中有超过%(XLSX_MAX_TEXT)s个字符的文本",
                                  XLSX_MAX_TEXT=XLSX_MAX_TEXT), field="file")


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
    leading apostrophe, so it shows as the text it is. Numbers pass unchanged; a label (an i18n
    Text) is written in the reader's language."""
    if isinstance(value, Text):
        value = str(value)
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
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([safe_cell(v) for v in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
