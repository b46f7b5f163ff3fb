"""Matching use cases: save needs and capabilities (embedding them on write), rank both ways."""
from __future__ import annotations

import json
import uuid
from datetime import date

from graph import catalog
from graph import matching as candidates_store
from matchmaker.errors import NotFound, ValidationError
from matchmaker.i18n import Text, _l, joined
from matchmaker.matching import encoders, fit, requirements
from matchmaker.matching.glossary import bridged
from matchmaker.matching.ranking import (Filters, Query, abstains, order, rank_suppliers,
                                         requirements_of, stored_requirements)

CANDIDATES_PER_INDEX = 60
MAX_TEXT = 2000
NO_RELIABLE_MATCH = "暂无可靠的本地配套企业"


def _clean(value, name: str, limit: int = 500) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError(_l("“%(name)s”应为文本", name=name), field=name)
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(_l("“%(name)s”不能超过%(limit)s字", name=name, limit=limit), field=name)
    return text


def _positive_int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("“%(name)s”应为整数", name=name), field=name) from None
    if number < 0 or number > 10**12:
        raise ValidationError(_l("“%(name)s”超出合理范围", name=name), field=name)
    return number


def capability_text(cap: dict) -> str:
    parts = [cap.get("products"), cap.get("processes"), cap.get("materials"),
             cap.get("equipment"), " ".join(cap.get("certifications") or [])]
    return "；".join(p for p in parts if p)


def capability_row(company: str, cap: dict, number: int = 1) -> dict:
    """A validated capability ready to embed; `number` names it in errors."""
    row = {"id": cap.get("id") or f"{company}-{uuid.uuid4().hex[:8]}", "company": company,
           "products": _clean(cap.get("products"), "products"),
           "processes": _clean(cap.get("processes"), "processes"),
           "materials": _clean(cap.get("materials"), "materials"),
           "equipment": _clean(cap.get("equipment"), "equipment"),
           "capacity_per_year": _positive_int(cap.get("capacity_per_year"), "capacity_per_year"),
           "categories": list(cap.get("categories") or [])}
    row["text"] = _clean(cap.get("text") or capability_text(row), "text", MAX_TEXT)
    if not row["text"]:
        raise ValidationError(_l("第%(number)s项能力没有任何描述", number=number), field="products")
    req = requirements.extract(row["text"], "capability")
    row["certifications"] = sorted(set(cap.get("certifications") or [])
                                   | set(req["certifications"]))
    row.update(_stored_requirements(req, "capability"))
    # stored so that ranking never re-runs the glossary over candidates
    row["text_bridged"] = bridged(row["text"])
    return row


def store_capabilities(graph, model: str, rows: list[dict], embedded: dict | None = None) -> None:
    """Embed and store validated rows in one transaction. `embedded`: {text_bridged: vectors}
    already in the graph, so an unchanged re-import is not embedded again."""
    for row in rows:
        row.update((embedded or {}).get(row["text_bridged"], {}))
    todo = [r for r in rows if "emb" not in r]
    if todo:
        for row, vec in zip(todo, encoders.get(model).encode(
                [r["text_bridged"] for r in todo], "passage")):
            row.update(vec)
    graph.write(catalog.upsert_capabilities, rows)


def save_capabilities(graph, model: str, company: str, capabilities: list[dict]) -> list[str]:
    """Validate, embed and store a supplier's capabilities in one transaction."""
    rows = [capability_row(company, cap, i) for i, cap in enumerate(capabilities, start=1)]
    store_capabilities(graph, model, rows)
    return [r["id"] for r in rows]


NEED_STATUSES = ("draft", "open", "closed")


def need_row(company: str, need: dict) -> dict:
    """A validated need ready to embed."""
    title = _clean(need.get("title"), "title", 100)
    if not title:
        raise ValidationError(_l("需求标题不能为空"), field="title")
    description = _clean(need.get("description"), "description", MAX_TEXT)
    spec = _clean(need.get("spec"), "spec", 1000)
    status = need.get("status") or "open"
    if status not in NEED_STATUSES:
        raise ValidationError(_l("未知状态“%(status)s”", status=status), field="status")
    deadline = need.get("deadline") or None
    if deadline and not isinstance(deadline, date):
        try:
            deadline = date.fromisoformat(str(deadline))
        except ValueError:
            raise ValidationError(_l("截止日期格式应为 YYYY-MM-DD"), field="deadline") from None
    text = "。".join(p for p in (title, description, spec) if p)
    req = requirements.extract(text, "need")
    return {"id": need.get("id") or f"N-{uuid.uuid4().hex[:10]}", "company": company,
            "title": title, "description": description, "spec": spec,
            "annual_volume": _positive_int(need.get("annual_volume"), "annual_volume"),
            "certs_required": sorted(set(need.get("certs_required") or [])
                                     | {c for group in req["certifications"] for c in group}),
            "delivery_region": _clean(need.get("delivery_region"), "delivery_region", 50),
            "deadline": deadline, "status": status,
            "visibility": need.get("visibility") or "public",
            "category": need.get("category") or None, "text": text,
            "text_bridged": bridged(text), **_stored_requirements(req, "need")}


def _stored_requirements(req: dict, role: str) -> dict:
    """Requirements are read once, on write: as JSON for ranking and for the pages' chips
    (`shown`), and the annual volume or capacity the text states (shown where the typed field
    is empty)."""
    return {"requirements": json.dumps(req, ensure_ascii=False),
            "requirements_version": requirements.VERSION,
            "stated_volume": requirements.annual_volume(req)}


BACKFILL_BATCH = 500


def backfill_requirements(graph) -> dict:
    """Requirements (and certifications read from the text, and the bridged text) for needs
    and capabilities stored before they were read on save or read by an older reader
    (requirements.VERSION); returns how many of each."""
    done = {}
    for kind, role in (("needs", "need"), ("capabilities", "capability")):
        done[kind] = 0
        while rows := graph.read(candidates_store.without_requirements, role,
                                 requirements.VERSION, BACKFILL_BATCH):
            graph.write(candidates_store.set_requirements, role,
                        [_backfilled(row, role) for row in rows])
            done[kind] += len(rows)
    return done


def _backfilled(row: dict, role: str) -> dict:
    req = requirements.extract(row["text"], role)
    found = ({c for group in req["certifications"] for c in group} if role == "need"
             else set(req["certifications"]))
    return {"id": row["id"], "certifications": sorted(set(row["certifications"] or []) | found),
            "text_bridged": row["text_bridged"] or bridged(row["text"]),
            **_stored_requirements(req, role)}


def store_needs(graph, model: str, rows: list[dict]) -> None:
    """Embed and store validated needs in one transaction."""
    vectors = encoders.get(model).encode([r["text_bridged"] for r in rows], "query")
    for row, vec in zip(rows, vectors):
        row.update(vec)
    graph.write(lambda tx: [catalog.upsert_need(tx, row) for row in rows])


def save_need(graph, model: str, company: str, need: dict) -> str:
    if need.get("id"):  # a given id is created, or edited when it is the company's own
        existing = graph.read(catalog.get_need, need["id"])
        if existing and existing["company"] != company:
            raise NotFound(_l("需求不存在"))
    row = need_row(company, need)
    store_needs(graph, model, [row])
    return row["id"]


def get_need_for(graph, need_id: str, user) -> dict:
    """A need as `user` may see it: its own anchor and organizers see any; others see the open
    public needs of approved anchors."""
    need = graph.read(catalog.get_need, need_id)
    if not need or not (user.company == need["company"] or user.is_organizer or is_public(need)):
        raise NotFound(_l("需求不存在"))
    return shown(need, "need")


def is_public(need: dict) -> bool:
    """Seen by every company: open, public, and posted by an approved anchor."""
    return (need["status"] == "open" and need["visibility"] == "public"
            and need["company_status"] == "approved")


def stored_need(graph, need_id: str) -> dict:
    """A need as ranking reads it: with its vectors and stored requirements."""
    need = graph.read(catalog.get_need, need_id, True)
    if not need:
        raise NotFound(_l("需求不存在"))
    return need


def rank_need(graph, need: dict, filters: Filters | None = None, limit: int | None = 20,
              with_features: bool = False) -> dict:
    """The system's ranking of approved suppliers for a need, whoever posted it: `need` carries
    its vectors, stored requirements and its anchor's clusters (a `stored_need`, or the row just
    stored with those clusters). Every fit is computed here, in the context of the need's own
    candidates, whichever page asks. Callers acting for a user go through `match_need`."""
    matches = rank_suppliers(*pool(graph, need), ranker(graph), filters, limit, with_features)
    abstain = abstains(matches)
    return {"need": shown(need, "need"), "matches": matches, "abstain": abstain,
            "notice": NO_RELIABLE_MATCH if abstain else None}


def shown(node: dict, role: str) -> dict:
    """A need or capability (`role`) as pages and the API show it: without what only ranking
    reads, with what was read from its text as chips in the reader's language."""
    out = {k: v for k, v in node.items() if k not in ("emb", "emb_x", "requirements")}
    out["requirement_chips"] = requirements.chips(stored_requirements(node, role), role)
    return out


def capabilities_shown(graph, company: str) -> list[dict]:
    """A supplier's capabilities as pages and the API show them."""
    return [shown(c, "capability") for c in graph.read(catalog.capabilities_of, company)]


def match_need(graph, need_id: str, user, filters: Filters | None = None,
               limit: int = 20) -> dict:
    """Ranked suppliers for a need, as `user` asks: only the anchor that posted it and
    organizers may; anyone else is answered as for a need that does not exist."""
    need = stored_need(graph, need_id)
    if not (user.is_organizer or user.company == need["company"]):
        raise NotFound(_l("需求不存在"))
    return rank_need(graph, need, filters, limit)


def pool(graph, need: dict) -> tuple[Query, list[dict]]:
    """A need (read with its vectors) as ranking sees it, and its candidates."""
    query = Query(text=need["text"], requirements=requirements_of(need, "need"),
                  certs_required=need["certs_required"] or [], category=need["category"],
                  category_name=need.get("category_name"), anchor=need["company"])
    return query, candidates_store.supplier_candidates(graph, need, CANDIDATES_PER_INDEX,
                                                       need["clusters"] or [])


def ranker(graph) -> fit.Model:
    """The newest re-ranker: one stored in the graph by `train-ranker`, or the shipped one."""
    version = graph.read(candidates_store.newest_ranker_version)
    shipped = fit.shipped()
    if version is None or version <= shipped.version:
        return shipped
    key = (graph.database, version)
    if key not in _MODELS:
        _MODELS[key] = fit.from_json(graph.read(candidates_store.ranker_model, version))
    return _MODELS[key]


_MODELS: dict[tuple[str, int], fit.Model] = {}


def match_supplier(graph, company: str, limit: int = 20,
                   anchors: set[str] | None = None) -> list[dict]:
    """Open needs that fit a supplier best (of `anchors` only, when given), each with the fit
    the need's own ranking gives this supplier.

    Needs near any of its capabilities come from the vector indexes (cosine is symmetric, so
    the capabilities' stored vectors find them; nothing is re-embedded); the `limit` most
    similar are then ranked as their anchors see them, which fixes the fit."""
    near: dict[str, float] = {}
    for cap in graph.read(catalog.capabilities_of, company, True):
        for n in candidates_store.need_candidates(graph, cap, CANDIDATES_PER_INDEX):
            if anchors is None or n["company"] in anchors:
                near[n["need"]] = max(near.get(n["need"], -2.0), n["cos_e"] + n["cos_x"])
    results = []
    for need_id in sorted(near, key=lambda k: -near[k])[:limit]:
        need = stored_need(graph, need_id)
        mine = rank_need(graph, need, Filters(companies=[company]), 1)["matches"]
        if mine:  # else the supplier is not among the need's candidates: not on its page
            r = mine[0]
            results.append({"need": need["id"], "title": need["title"],
                            "anchor": need["company_name"], "anchor_credit_code": need["company"],
                            "fit": r["fit"], "tier": r["tier"], "confident": r["confident"],
                            "unmet": r["unmet"], "explanation": r["explanation"]})
    return sorted(results, key=order)


def short_reasons(explanation: dict) -> list[Text]:
    """A few short lines read in one glance (a fair's proposals)."""
    out = []
    if explanation.get("matched_terms"):
        out.append(_l("匹配：%(terms)s", terms=joined(explanation["matched_terms"][:5])))
    if explanation.get("local"):
        out.append(_l("本地企业（%(region)s）", region=explanation["region"])
                   if explanation.get("region") else _l("本地企业"))
    if explanation.get("certifications_met"):
        out.append(_l("具备 %(certs)s", certs=joined(explanation["certifications_met"])))
    if explanation.get("certifications_missing"):
        out.append(_l("缺少 %(certs)s", certs=joined(explanation["certifications_missing"])))
    if explanation.get("supplies_this_anchor"):
        out.append(_l("已有供货关系"))
    if explanation.get("cluster_anchors_supplied"):
        out.append(_l("已为本集群 %(n)s 家其他主机企业供货",
                      n=explanation["cluster_anchors_supplied"]))
    return out
