"""The English switch leaves no Chinese UI word on any role's main pages, downloads, refusals or
import row errors. User data (company, need and people's names, descriptions, addresses, reference
data names, fair names) may stay Chinese: the test reads it from the graph and removes it from
the page before looking for Chinese characters."""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import login, seeded_app, upload

from matchmaker import demo, tables

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")
HAN = re.compile(r"[\u3400-\u9fff]")
# Nodes whose text is what people entered or the city's reference data, never the UI's words,
# and the properties people typed on other nodes (an office's comment on an award; the comment
# on a withdrawn award is the system's, a UI message).
DATA_LABELS = ["Company", "User", "Need", "Capability", "Region", "Park", "Cluster", "Category",
               "Fair", "FairRegistration", "FairMeeting", "FollowUp", "ExpectedPurchase",
               "MaterialGroup", "Purchase", "ParkProposal"]
TYPED = {"Award": ("comment", "n.status <> 'withdrawn'")}
# In the JSON of what was read from a text (a need's requirements), what the platform derived
# rather than what the user wrote: labels and vocabulary keys, shown translated.
DERIVED = {"kind", "label", "service", "design", "terms", "concepts", "certifications",
           "certs_pending", "certs_preferred"}


@pytest.fixture(scope="module")
def demo_app(data_dir):
    """The demo city, loaded once for the module: every page has real figures."""
    for app in seeded_app(data_dir):
        demo.load(app.extensions["graph"], app.config)
        yield app


def _strings(value):
    """The texts of a property; of a JSON one (a need's requirements as read from its text),
    the user's own words in it (a quantity as written, an excluded item), not what was derived."""
    if isinstance(value, str):
        yield value
        if value.startswith(("{", "[")):
            try:
                yield from _json_strings(json.loads(value), DERIVED)
            except ValueError:
                pass
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


@pytest.fixture(scope="module")
def user_data(demo_app) -> list[str]:
    """Every Chinese text stored on a data node, longest first (so a name is removed before a
    shorter name inside it)."""
    def read(tx):
        found = set()
        for label in DATA_LABELS:
            for record in tx.run(f"MATCH (n:{label}) RETURN properties(n) AS p"):
                for value in record["p"].values():
                    found.update(s.strip() for s in _strings(value) if HAN.search(s))
        for label, (prop, where) in TYPED.items():
            for record in tx.run(f"MATCH (n:{label}) WHERE {where} RETURN n.{prop} AS v"):
                found.update(s.strip() for s in _strings(record["v"]) if HAN.search(s))
        return found
    values = demo_app.extensions["graph"].read(read)
    # a description shown in parts (lines, list items, 、-separated phrases) is data in each part
    parts = {p.strip() for v in values for p in re.split(r"[\n；;]", v) if HAN.search(p)}
    return sorted(values | parts, key=len, reverse=True)


class _Visible(HTMLParser):
    """The text a reader sees: text nodes, labels in attributes, and the strings of the JSON
    specs that charts are drawn from."""
    ATTRS = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.chunks, self._skip, self._json = [], 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
            self._json = attrs.get("type") == "application/json"
        self.chunks += [v for k, v in attrs.items() if k in self.ATTRS and v]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip, self._json = max(0, self._skip - 1), False

    def handle_data(self, data):
        if self._json:
            self.chunks += list(_json_strings(json.loads(data)))
        elif not self._skip and data.strip():
            self.chunks.append(data.strip())


def _json_strings(value, skipped=frozenset()):
    """The strings in a JSON value, but those under the keys `skipped`."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in skipped:
                yield from _json_strings(v, skipped)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v, skipped)


LANGUAGE_NAMES = {"中文"}   # the switch names each language in itself
PO = Path(__file__).resolve().parent.parent / "matchmaker/translations/en/LC_MESSAGES/messages.po"


def kept_on_purpose() -> list[str]:
    """Chinese that English pages show on purpose: what the English translations quote (the
    headers a file may use, a date written the Chinese way) and the column headers the
    importers read."""
    from babel.messages.pofile import read_po

    from matchmaker.columns import ALIASES
    quoted = {run for m in read_po(PO.open("rb")) if m.id and m.string
              for run in CJK.findall(m.string)}
    return [*quoted, *(a for names in ALIASES.values() for a in names if HAN.search(a))]


def chinese_ui(texts, user_data: list[str]) -> list[str]:
    """The Chinese left in `texts` once user data and what is kept on purpose are taken out,
    each with its context."""
    left = []
    allowed = sorted({*user_data, *kept_on_purpose()}, key=len, reverse=True)
    for text in texts:
        if text in LANGUAGE_NAMES or any(text in value for value in user_data):
            continue   # a word of the user's text (a matched term) shown on its own
        # words of the user's text listed in a line ("Matches: 液压, 油缸")
        stripped = "".join("\x00" if HAN.search(piece) and any(piece in v for v in user_data)
                           else piece for piece in re.split(r"(, |: )", text))
        for value in allowed:
            if value in stripped:
                stripped = stripped.replace(value, "\x00")
        for m in CJK.finditer(stripped):
            if not HAN.search(m.group()):
                continue   # full-width punctuation around data
            left.append(stripped[max(0, m.start() - 30):m.end() + 30].replace("\x00", "‹data›"))
    return left


def page_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.chunks


def english(client, path: str) -> str:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _first(pattern: str, html: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(1)


NEED_LINK = r'href="(/needs/(?!new)[^"/?]+)"'


def role_pages(client) -> dict[str, list[str]]:
    """Each demo login's main pages, the detail pages found by following their links."""
    fair, past = demo.DEMO_FAIR, demo.PAST_FAIR
    login(client, "office@demo.cn", demo.DEMO_PASSWORD)
    company = _first(r'href="(/companies/[0-9A-Z]{18})"', english(client, "/companies"))
    reference = _first(r'href="(/reference/[a-z]+/[^"/]+)"', english(client, "/reference/cluster"))
    office = ["/", "/notifications", "/incentives/", "/incentives/audit", "/incentives/flags?year=2025",
              "/chain/", "/fairs/", f"/fairs/{fair}", f"/fairs/{fair}/tables", f"/fairs/{past}",
              f"/fairs/{past}/report", "/fairs/reports", "/imports/", "/imports/material-groups",
              "/companies", company, "/reference/cluster", "/reference/park",
              "/reference/category", reference, "/mail/preferences", "/mail/outbox",
              "/auth/tokens"]
    login(client, "anchor@demo.cn", demo.DEMO_PASSWORD)
    need = _first(NEED_LINK, english(client, "/needs/"))
    anchor = ["/", "/needs/", need, "/needs/new", "/incentives/mine", f"/fairs/{fair}",
              f"/fairs/{fair}/agenda", "/fairs/follow-ups", "/mail/preferences"]
    login(client, "supplier@demo.cn", demo.DEMO_PASSWORD)
    matched = _first(NEED_LINK, english(client, "/suppliers/needs"))
    supplier = ["/", "/suppliers/profile", "/suppliers/needs", matched, "/suppliers/capabilities/new",
                f"/fairs/{fair}", f"/fairs/{fair}/agenda", "/fairs/follow-ups", "/mail/preferences"]
    return {"office@demo.cn": office, "anchor@demo.cn": anchor, "supplier@demo.cn": supplier}


def test_every_role_page_reads_in_english(demo_app, user_data):
    client = demo_app.test_client()
    client.get("/auth/login?lang=en")
    pages = role_pages(client)
    found = {}
    for email, paths in pages.items():
        login(client, email, demo.DEMO_PASSWORD)
        for path in paths:
            left = chinese_ui(page_text(english(client, path)), user_data)
            if left:
                found[f"{email} {path}"] = sorted(set(left))
    report = "\n".join(f"{page}:\n    " + "\n    ".join(words[:15]) for page, words in found.items())
    assert not found, f"Chinese UI words on {len(found)} English pages:\n{report}"


def _sheet_headers(data: bytes) -> list[str]:
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [str(c) for sheet in book.worksheets for row in sheet.iter_rows(max_row=1, values_only=True)
            for c in row if c is not None] + [sheet.title for sheet in book.worksheets]


def test_downloads_have_english_headers(demo_app, user_data):
    client = demo_app.test_client()
    client.get("/auth/login?lang=en")
    login(client, "office@demo.cn", demo.DEMO_PASSWORD)
    downloads = ["/companies/export.xlsx", "/incentives/export.xlsx?year=2025",
                 "/chain/missing-links.xlsx", f"/fairs/{demo.DEMO_FAIR}/export.xlsx",
                 f"/fairs/{demo.PAST_FAIR}/report.xlsx", "/?chart=cluster-rates"]
    found = {}
    for path in downloads:
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
        left = chinese_ui(_sheet_headers(response.data), user_data)
        if left:
            found[path] = left
    csv = client.get("/companies/export.csv", headers={"Accept-Language": "en"})
    header = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    if chinese_ui([header], user_data):
        found["/companies/export.csv"] = [header]
    assert not found, "\n".join(f"{path}: {sorted(set(words))}" for path, words in found.items())


def test_refusals_and_row_errors_in_english(demo_app, user_data):
    client = demo_app.test_client()
    client.get("/auth/login?lang=en")
    login(client, "office@demo.cn", demo.DEMO_PASSWORD)
    # a service's refusal (DomainError) and a bad query argument (ValidationError)
    refusals = [client.get("/incentives/?year=abc"), client.get("/fairs/NO-SUCH-FAIR"),
                client.get("/api/v1/rates?year=abc")]
    texts = []
    for response in refusals:
        assert 400 <= response.status_code < 500, response.request.path
        body = response.get_data(as_text=True)
        texts += [response.get_json()["message"]] if response.is_json else page_text(body)
    # an import's preview with row errors
    data = tables.write_xlsx({"采购": (["主机企业信用代码", "供应商名称", "金额（元）", "采购日期"],
                                     [["123", "某供应商", "abc", "2025-13-40"]])})
    preview = upload(client, "purchases", "ledger.xlsx", data)
    assert preview.status_code in (200, 400)
    texts += page_text(preview.get_data(as_text=True))
    left = chinese_ui(texts, user_data + ["某供应商", "主机企业信用代码", "供应商名称", "金额（元）",
                                          "采购日期", "采购"])
    assert not left, "\n".join(sorted(set(left)))
