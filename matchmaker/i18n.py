"""Text shown to people, made where no request is at hand: a service's refusal, an import's row
error, an award's reason, a match's explanation. Pure (no Flask), so the rules and the matching
code can use it.

`_l(msgid, **params)` marks the Chinese message id for the catalog (`pybabel extract -k _l`) and
returns a `Text`, translated only when it is shown — rendered by Jinja (escaped), str(), JSON —
through the translator the app installs (Flask-Babel's gettext, so the request's language);
without one (the CLI, tests of pure modules) it reads as the Chinese. A stored Text (an import's
errors kept on its job) is its `to_dict()`; `text()` makes it a Text again."""
from __future__ import annotations

import json
from collections.abc import Callable

from markupsafe import escape

_translate: Callable[[str], str] = lambda msgid: msgid  # noqa: E731


def install(gettext: Callable[[str], str]) -> None:
    """Translate every Text through `gettext` (called by the app factory)."""
    global _translate
    _translate = gettext


class Text:
    """A message id and its named parameters; parameters may be Texts themselves."""
    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: dict | None = None):
        self.msgid, self.params = msgid, params or {}

    def __str__(self) -> str:
        text = _translate(self.msgid)
        if not self.params:
            return text
        return text % {k: str(v) if isinstance(v, Text) else v for k, v in self.params.items()}

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    # compared, searched and joined as the text it reads as (as Flask-Babel's lazy strings are)
    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __add__(self, other) -> str:
        return str(self) + str(other)

    def __radd__(self, other) -> str:
        return str(other) + str(self)

    def __mod__(self, values) -> str:   # WTForms fills its validators' messages with %
        return str(self) % values

    def source(self) -> str:
        """The message as written (Chinese), whoever is looking: for records kept as text."""
        if not self.params:
            return self.msgid
        return self.msgid % {k: v.source() if isinstance(v, Text) else v
                             for k, v in self.params.items()}

    def to_dict(self) -> dict:
        return {"msgid": self.msgid, "params": {k: _stored(v) for k, v in self.params.items()}}


def _stored(value):
    if isinstance(value, Text):
        return value.to_dict()
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _l(msgid: str, **params) -> Text:
    return Text(msgid, params)


def joined(items) -> Text | str:
    """`items` (strings or Texts) read as one list: "钢、铝合金" in Chinese, "steel, aluminium
    alloy" in English. A Text of Texts, so it is stored and restored as any other."""
    items = list(items)
    if not items:
        return ""
    out = items[0]
    for item in items[1:]:
        out = _l("%(head)s、%(item)s", head=out, item=item)
    return out


def stored(value: Text) -> str:
    """A Text as one string property of the graph (its `to_dict()` as JSON); `restored()`
    reads it."""
    return json.dumps(value.to_dict(), ensure_ascii=False)


def restored(value):
    """What pages show of a stored message: `stored()`'s string or a `to_dict()` as a Text
    again; any other value (a string stored before messages were, user text) as it is."""
    if isinstance(value, str) and value.startswith('{"msgid"'):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return text(value)


def text(value):
    """A stored message as it reads now: a Text's `to_dict()` becomes a Text again (its
    parameters too); anything else is returned as it is."""
    if isinstance(value, dict) and set(value) == {"msgid", "params"}:
        return Text(value["msgid"], {k: text(v) for k, v in value["params"].items()})
    return value


def plain(value):
    """`value` with every Text in it as its `to_dict()`, ready to be stored as JSON."""
    if isinstance(value, Text):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def shown(value):
    """`value` with every Text in it as the string it reads as now (for JSON answers)."""
    value = text(value)
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    return value
