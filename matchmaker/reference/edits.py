"""The office's edits of parks, clusters and categories: add, rename, alias, merge, retire, and
the park names imports proposed. Each edit is one transaction that also writes the audit trail
and bumps the reference version (so every process drops the lists it kept)."""
from __future__ import annotations

import re
import time

from graph import audit, reference
from matchmaker import regions
from matchmaker.errors import Conflict, NotFound, ValidationError
from matchmaker.reference.parks import clean
from matchmaker.reference.seeds import CREATE, split_aliases
from matchmaker.i18n import _l

KINDS = ("park", "cluster", "category")
KIND_TEXT = {"park": "园区", "cluster": "产业集群", "category": "品类"}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def _now() -> int:
    return int(time.time())


def _write(graph, work, *args):
    """Run one edit; this process's kept lists are dropped at once, other processes' at their
    next request (they compare the reference version)."""
    result = graph.write(work, *args)
    graph.forget_kept()
    return result


def _item(tx, kind: str, code: str) -> dict:
    item = reference.get_item(tx, kind, code)
    if item is None:
        raise NotFound(_l("没有代码为“%(code)s”的%(n)s", code=code, n=KIND_TEXT[kind]), field="code")
    return item


def _live(tx, kind: str, code: str) -> dict:
    item = _item(tx, kind, code)
    if item["status"] != "active":
        raise Conflict(_l("%(n)s“%(name)s”已停用", n=KIND_TEXT[kind], name=item['name']), field="code")
    return item


def _name(text: str, field: str = "name", required: bool = True) -> str | None:
    name = clean(text or "")
    if not name:
        if required:
            raise ValidationError(_l("名称不能为空"), field=field)
        return None
    if len(name) > 50:
        raise ValidationError(_l("名称不超过50字"), field=field)
    return name


def _check_free(tx, kind: str, names: list[str], code: str | None = None) -> None:
    """A name or alias may lead to one live item only, or matching could not choose."""
    taken = {}
    for item in reference.LISTS[kind](tx):
        if item["code"] != code:
            for n in (item["code"], item["name"], *item["aliases"]):
                taken[n.lower()] = item
    for n in names:
        if n.lower() in taken:
            other = taken[n.lower()]
            raise Conflict(_l("“%(n)s”已是%(n2)s“%(name)s”（%(code)s）的名称或别名", n=n, n2=KIND_TEXT[kind],
                              name=other['name'], code=other['code']), field="name")


def _region(text: str, policy_region: str | None) -> str:
    try:
        return regions.resolve(text, prefer_within=policy_region).code
    except regions.UnknownRegion as e:
        raise ValidationError(e.args[0], field="region") from e


def _event(actor: str, action: str, kind: str, code: str, before=None, after=None) -> dict:
    return audit.event(actor, f"{kind}.{action}", f"{kind}:{code}", before, after)


# ----------------------------------------------------------------------------- add, rename

def add(graph, kind: str, fields: dict, actor: str, policy_region: str | None = None) -> str:
    """A new item (fields: code, name, name_en, aliases; region for a park; parent for a
    category part). Returns its code."""
    row = _new_row(kind, fields, policy_region)
    _write(graph, _add, kind, row, actor)
    return row["code"]


def _new_row(kind: str, fields: dict, policy_region: str | None) -> dict:
    code = (fields.get("code") or "").strip().upper()
    if not CODE.match(code):
        raise ValidationError(_l("代码由大写字母、数字和连字符组成，不超过20位"), field="code")
    row = {"code": code, "name": _name(fields.get("name")),
           "aliases": split_aliases(fields.get("aliases", ""))}
    if kind == "park":
        row["region"] = _region(fields.get("region", ""), policy_region)
    else:
        row["name_en"] = _name(fields.get("name_en"), "name_en", required=False)
    if kind == "category":
        row["parent"] = (fields.get("parent") or "").strip().upper() or None
    return row


def _add(tx, kind: str, row: dict, actor: str) -> None:
    if row["code"] in reference.codes(tx, kind):
        raise Conflict(_l("代码“%(code)s”已被使用", code=row['code']), field="code")
    _check_free(tx, kind, [row["name"], *row["aliases"]])
    if row.get("parent"):
        parent = _live(tx, "category", row["parent"])
        if parent["parent"]:
            raise ValidationError(_l("上级品类须是一级品类"), field="parent")
    CREATE[kind](tx, [row])
    audit.record(tx, [_event(actor, "add", kind, row["code"], None, row)])
    reference.bump_version(tx)


def rename(graph, kind: str, code: str, fields: dict, actor: str,
           policy_region: str | None = None) -> None:
    """A new name (and English name; for a park, optionally another region). The old name
    becomes an alias, so files written before the rename still match."""
    name = _name(fields.get("name"))
    name_en = None if kind == "park" else _name(fields.get("name_en"), "name_en", False)
    region = (_region(fields["region"], policy_region)
              if kind == "park" and (fields.get("region") or "").strip() else None)
    _write(graph, _rename, kind, code, name, name_en, region, actor)


def _rename(tx, kind, code, name, name_en, region, actor) -> None:
    before = _live(tx, kind, code)
    _check_free(tx, kind, [name], code)
    reference.rename(tx, kind, code, name, name_en)
    if name != before["name"]:
        reference.set_aliases(tx, kind, code, _without(before["aliases"] + [before["name"]],
                                                       name))
    if region and region != before.get("region"):
        reference.move_park(tx, code, region)
    audit.record(tx, [_event(actor, "rename", kind, code, before,
                             reference.get_item(tx, kind, code))])
    reference.bump_version(tx)


def _without(aliases: list[str], name: str) -> list[str]:
    return [a for a in dict.fromkeys(aliases) if a != name]


def set_aliases(graph, kind: str, code: str, text: str, actor: str) -> None:
    """Replace the item's aliases (separated by 、 , ; | or new lines)."""
    _write(graph, _set_aliases, kind, code, split_aliases(text), actor)


def _set_aliases(tx, kind, code, aliases, actor) -> None:
    before = _live(tx, kind, code)
    aliases = _without(aliases, before["name"])
    _check_free(tx, kind, aliases, code)
    reference.set_aliases(tx, kind, code, aliases)
    audit.record(tx, [_event(actor, "alias", kind, code, {"aliases": before["aliases"]},
                             {"aliases": aliases})])
    reference.bump_version(tx)


# ----------------------------------------------------------------------------- merge, retire

def merge(graph, kind: str, code: str, into: str, actor: str) -> int:
    """Move every record of `code` to `into`, which keeps the old code and names as aliases;
    `code` stays as a merged item for the history. How many relationships moved."""
    if code == into:
        raise ValidationError(_l("不能合并到自身"), field="into")
    return _write(graph, _merge, kind, code, into, actor)


def _merge(tx, kind, code, into, actor) -> int:
    old, survivor = _live(tx, kind, code), _live(tx, kind, into)
    if kind == "category" and bool(old["parent"]) != bool(survivor["parent"]):
        raise ValidationError(_l("只能合并同一层级的品类"), field="into")
    moved = reference.move_relationships(tx, kind, code, into)
    reference.mark_merged(tx, kind, code, into, _now())
    aliases = _without(survivor["aliases"] + [old["code"], old["name"], *old["aliases"]],
                       survivor["name"])
    reference.set_aliases(tx, kind, into, aliases)
    audit.record(tx, [_event(actor, "merge", kind, code, old, {"merged_into": into,
                                                               "moved": moved}),
                      _event(actor, "absorb", kind, into, {"aliases": survivor["aliases"]},
                             {"aliases": aliases, "absorbed": code})])
    reference.bump_version(tx)
    return moved


def retire(graph, kind: str, code: str, actor: str) -> None:
    """Hide the item from what new records choose from; records that have it keep it."""
    _write(graph, _retire, kind, code, actor)


def _retire(tx, kind, code, actor) -> None:
    item = _live(tx, kind, code)
    if kind == "category" and reference.children(tx, code):
        raise Conflict(_l("请先停用或合并该品类下的子类"), field="code")
    reference.set_retired(tx, kind, code, _now())
    audit.record(tx, [_event(actor, "retire", kind, code, item, None)])
    reference.bump_version(tx)


def restore(graph, kind: str, code: str, actor: str) -> None:
    """Bring a retired item back (a merged one stays merged: its records have moved)."""
    _write(graph, _restore, kind, code, actor)


def _restore(tx, kind, code, actor) -> None:
    item = _item(tx, kind, code)
    if item["status"] != "retired":
        raise Conflict(_l("%(n)s“%(name)s”不是停用状态", n=KIND_TEXT[kind], name=item['name']),
                       field="code")
    _check_free(tx, kind, [item["name"], *item["aliases"]], code)
    reference.set_retired(tx, kind, code, None)
    audit.record(tx, [_event(actor, "restore", kind, code, None, item)])
    reference.bump_version(tx)


# ----------------------------------------------------------------------------- proposals

def confirm_proposal(graph, key: str, fields: dict, actor: str,
                     policy_region: str | None = None) -> str:
    """The proposed name is a new park (fields as for `add`; name and region default to the
    proposal's, which stays an alias when the office names the park otherwise); the companies
    that named it are placed in it. Returns the park's code."""
    proposal = graph.read(reference.get_proposal, key) or {}
    row = _new_row("park", {"name": proposal.get("text"), "region": proposal.get("region"),
                            **{k: v for k, v in fields.items() if v}}, policy_region)
    if proposal.get("text") and proposal["text"] != row["name"]:
        row["aliases"] = _without(row["aliases"] + [proposal["text"]], row["name"])
    _write(graph, _confirm, key, row, actor)
    return row["code"]


def _confirm(tx, key, row, actor) -> None:
    _open_proposal(tx, key)
    _add(tx, "park", row, actor)
    _resolve(tx, key, "confirmed", row["code"], actor)


def map_proposal(graph, key: str, park: str, actor: str) -> None:
    """The proposed name is another name of `park`: it becomes an alias, and the companies that
    named it are placed in that park."""
    _write(graph, _map, key, park, actor)


def _map(tx, key, park, actor) -> None:
    text = _open_proposal(tx, key)["text"]
    item = _live(tx, "park", park)
    aliases = _without(item["aliases"] + [text], item["name"])
    _check_free(tx, "park", aliases, park)
    reference.set_aliases(tx, "park", park, aliases)
    audit.record(tx, [_event(actor, "alias", "park", park, {"aliases": item["aliases"]},
                             {"aliases": aliases})])
    _resolve(tx, key, "mapped", park, actor)


def dismiss_proposal(graph, key: str, actor: str) -> None:
    _write(graph, _dismiss, key, actor)


def _dismiss(tx, key, actor) -> None:
    _open_proposal(tx, key)
    _resolve(tx, key, "dismissed", None, actor)


def _open_proposal(tx, key: str) -> dict:
    proposal = reference.get_proposal(tx, key)
    if proposal is None or proposal["status"] != "open":
        raise NotFound(_l("没有这条待确认的园区名称"))
    return proposal


def _resolve(tx, key, status, park, actor) -> None:
    placed = reference.resolve_proposal(tx, key, status, park, actor, _now())
    audit.record(tx, [audit.event(actor, f"park.proposal_{status}", f"park-proposal:{key}",
                                  {"status": "open"}, {"status": status, "park": park,
                                                       "placed": placed})])
    reference.bump_version(tx)
