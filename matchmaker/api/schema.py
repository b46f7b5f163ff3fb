"""The shapes of API request bodies, checked before any service sees them: a wrong type is a
400 naming the field, never a 500 from deep inside."""
from __future__ import annotations

from matchmaker.errors import ValidationError
from matchmaker.i18n import _l

TEXT, INTEGER, TEXT_LIST, SCALAR = "text", "integer", "text list", "text or number"
MAX_LIST = 50
MAX_LIST_ITEM = 100

NEED = {"title": TEXT, "description": TEXT, "spec": TEXT, "category": TEXT,
        "annual_volume": INTEGER, "certs_required": TEXT_LIST, "delivery_region": TEXT,
        "deadline": TEXT, "status": TEXT}
CAPABILITY = {"id": TEXT, "text": TEXT, "products": TEXT, "processes": TEXT, "materials": TEXT,
              "equipment": TEXT, "capacity_per_year": INTEGER, "certifications": TEXT_LIST,
              "categories": TEXT_LIST}

_NAMES = {TEXT: "文本", INTEGER: "整数", TEXT_LIST: "文本数组", SCALAR: "文本或数字"}


def _fits(value, kind: str) -> bool:
    if value is None:
        return True
    if kind == TEXT:
        return isinstance(value, str)
    if kind == INTEGER:
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.strip().isdigit())
    if kind == SCALAR:
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return (isinstance(value, list) and len(value) <= MAX_LIST
            and all(isinstance(v, str) and len(v) <= MAX_LIST_ITEM for v in value))


def checked(body, spec: dict[str, str], where: str = "") -> dict:
    """The fields of `spec` from a JSON object (absent ones None), each of its declared kind.
    `where` prefixes messages, e.g. "第3项：" for an element of a list."""
    if not isinstance(body, dict):
        raise ValidationError(_l("%(where)s应为 JSON 对象", where=where), field=next(iter(spec)))
    for name, kind in spec.items():
        if not _fits(body.get(name), kind):
            detail = f"（最多{MAX_LIST}项，每项不超过{MAX_LIST_ITEM}字）" if kind == TEXT_LIST else ""
            raise ValidationError(_l("%(where)s%(name)s 应为%(n)s%(detail)s", where=where, name=name,
                                     n=_NAMES[kind], detail=detail), field=name)
    return {name: body.get(name) for name in spec}


def checked_list(body, key: str, spec: dict[str, str], limit: int) -> list[dict]:
    """`body[key]`: a list of 1..limit objects of `spec`, each checked."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= limit:
        raise ValidationError(_l("请求体应为 JSON 对象，“%(key)s”为 1–%(limit)s 项的数组", key=key, limit=limit),
                              field=key)
    return [checked(item, spec, f"第{i}项：") for i, item in enumerate(items, start=1)]
