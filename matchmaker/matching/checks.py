"""Each requirement of a need checked against a capability: met, not met, or unknown.

A check that is not met and `hard` is one the buyer cannot work around: something the supplier
says it does not do, a size or pressure outside its stated range, a required certificate it does
not hold, repair-only for new parts, a volume above its stated capacity. Ranking puts such a
candidate below every candidate without one. Both sides are dicts from requirements.extract, with
the structured fields already folded in (see `with_structured`). Pure functions.
"""
from __future__ import annotations

from matchmaker.i18n import Text, _l, joined
from matchmaker.matching.quantities import ANNUAL_LABEL, label
from matchmaker.matching.vocabulary import NAMES, covers, holds

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
# A single capability value of these kinds is a maximum: a rated pressure, a press tonnage, a
# capacity. A single size is only an example of what the supplier makes.
_CEILING_KINDS = {"pressure", "force", "load", "power", "annual_count", "annual_mass"}
_ANNUAL = {"annual_count", "annual_mass"}
_KIND = {"mat": "material", "proc": "process"}  # a term family's check


def with_structured(req: dict, text: str, certifications: list[str] | None = None,
                    annual: int | None = None, role: str = "need") -> dict:
    """The extracted requirements plus the fields typed into the form, which take precedence,
    and the text (an excluded item's own words are looked for in it)."""
    req = dict(req, text=text.lower())
    if role == "need":
        grouped = {c for group in req.get("certifications") or [] for c in group}
        req["certifications"] = list(req.get("certifications") or []) + [
            [c] for c in certifications or [] if c not in grouped]
    else:
        req["certifications"] = sorted(set(req.get("certifications") or [])
                                       | set(certifications or []))
    if annual:
        req["quantities"] = [q for q in req.get("quantities") or [] if q["kind"] != "annual_count"]
        req["quantities"].append({"kind": "annual_count", "label": ANNUAL_LABEL.msgid,
                                  "low": float(annual), "high": float(annual),
                                  "text": _l("%(n)s件/年", n=annual)})
    return req


def check(need: dict, cap: dict) -> list[dict]:
    return [c for c in (_service(need, cap), _design(need, cap), _toll(need, cap),
                        *_certificates(need, cap),
                        *_quantities(need, cap), _materials(need, cap), _processes(need, cap),
                        *_exclusions(need, cap)) if c]


def concepts_found(need: dict, cap: dict) -> float:
    """The share of the need's trade terms, materials and processes the capability names, in
    either language (1.0 when the need names none). None at all: a fit with nothing in common
    is not a confident one, however close the sentence embeddings."""
    asked = need.get("concepts") or []
    offered = cap.get("concepts") or []
    if not asked:
        return 1.0
    return sum(any(covers(o, a) or covers(a, o) for o in offered) for a in asked) / len(asked)


def hard_failures(checks: list[dict]) -> list[dict]:
    return [c for c in checks if c["status"] == NOT_MET and c["hard"]]


def verified(failure: dict, checks: list[dict], cap: dict) -> bool:
    """Whether a capability is known to meet what another one failed: a check of the same kind
    met, or for an exclusion, it names what the other excluded."""
    if failure["kind"] == "exclusion":
        named = cap.get("concepts") or []
        return (all(any(covers(c, o) for o in named) for c in failure["concepts"])
                and all(word in cap["text"] for word in failure["words"]))
    if failure["kind"] == "service":  # repair only, for new parts: no check is made of
        return cap.get("service") in ("new", "both", "no_repair")  # a supplier making new ones
    return any(c["kind"] == failure["kind"] and c["status"] == MET for c in checks)


def _result(kind: str, requirement: str, status: str, reason: str = "",
            hard: bool = True) -> dict:
    """kind: service, design, toll, certification, material, process, exclusion, or a quantity's kind
    (diameter, pressure, annual_count…); hard: whether failing it ranks the candidate last."""
    return {"kind": kind, "requirement": requirement, "status": status, "hard": hard,
            "reason": reason}


def _service(need: dict, cap: dict) -> dict | None:
    wants, does = need.get("service"), cap.get("service")
    if wants == "repair":
        if does == "no_repair":
            return _result("service", _l("维修/再制造"), NOT_MET, _l("供应商注明不做维修"))
        return _result("service", _l("维修/再制造"), MET if does in ("repair", "both") else UNKNOWN)
    if does == "repair":
        return _result("service", _l("新品"), NOT_MET, _l("供应商只做维修/再制造，不做新品"))
    return None


def _design(need: dict, cap: dict) -> dict | None:
    if need.get("design") != "design":
        return None
    does = cap.get("design")
    if does == "design":
        return _result("design", _l("设计能力"), MET)
    if does == "print_only":
        return _result("design", _l("设计能力"), NOT_MET, _l("供应商注明不做设计，仅来图加工"))
    if does == "print":
        return _result("design", _l("设计能力"), NOT_MET, _l("供应商来图加工，未注明设计能力"),
                       hard=False)
    return _result("design", _l("设计能力"), UNKNOWN)


def _toll(need: dict, cap: dict) -> dict | None:
    """The buyer supplies the parts (来料加工): a supplier working on its own products only
    does not serve it."""
    if not need.get("toll"):
        return None
    does = cap.get("toll")
    if does == "own_only":
        return _result("toll", _l("来料加工"), NOT_MET, _l("供应商只加工自产件，不接来料加工"))
    return _result("toll", _l("来料加工"), MET if does == "accepts" else UNKNOWN)


def _certificates(need: dict, cap: dict) -> list[dict]:
    held, pending = set(cap.get("certifications") or []), set(cap.get("certs_pending") or [])
    out = []
    for group in need.get("certifications") or []:
        name = " / ".join(group)
        if any(holds(held, c) for c in group):
            out.append(_result("certification", name, MET))
        elif pending & set(group):
            out.append(_result("certification", name, NOT_MET, _l("%(name)s 认证办理中，尚未取得",
                                                               name=name)))
        else:
            out.append(_result("certification", name, NOT_MET, _l("缺少 %(name)s 认证", name=name)))
    return out


def _quantities(need: dict, cap: dict) -> list[dict]:
    out = []
    for q in need.get("quantities") or []:
        stated = [c for c in cap.get("quantities") or [] if c["kind"] == q["kind"]]
        allowed = [a for a in map(_allowed, stated) if a]
        name = (_l("年需求 %(text)s", text=q["text"]) if q["kind"] in _ANNUAL
                else _l("%(label)s %(text)s", label=label(q), text=q["text"]))
        needed = [v for v in (q["low"], q["high"]) if v is not None]
        within = bool(allowed) and all(any(low <= v <= high for _, low, high, _ in allowed)
                                       for v in needed)
        if within or _same_size(needed, stated):
            out.append(_result(q["kind"], name, MET))
        elif allowed:
            out.append(_result(q["kind"], name, NOT_MET, _out_of_range(allowed[0], q)))
        else:
            out.append(_result(q["kind"], name, UNKNOWN))
    return out


def _allowed(q: dict) -> tuple[str, float, float, dict] | None:
    """(kind, low, high, quantity) a capability quantity allows; None for a single size (an
    example of what the supplier makes, not a limit)."""
    low, high = q["low"], q["high"]
    if low is not None and low == high:
        if q["kind"] not in _CEILING_KINDS:
            return None
        low = None
    return q["kind"], low or 0.0, float("inf") if high is None else high, q


def _same_size(needed: list[float], stated: list[dict]) -> bool:
    """The supplier names the very size asked for (a single size is evidence, not a limit)."""
    points = [c["low"] for c in stated if c["low"] is not None and c["low"] == c["high"]]
    return bool(needed) and all(any(abs(v - p) <= 0.01 * p for p in points) for v in needed)


def _out_of_range(allowed: tuple, q: dict) -> Text:
    """'缸径范围 Φ32–Φ100，需求 Φ140'."""
    kind, low, high, stated = allowed
    if kind in _ANNUAL:
        return _l("年产能 %(stated)s，需求 %(needed)s", stated=stated["text"], needed=q["text"])
    given = {"label": label(stated), "stated": stated["text"], "needed": q["text"]}
    if low == 0:
        return _l("%(label)s最大 %(stated)s，需求 %(needed)s", **given)
    if high == float("inf"):
        return _l("%(label)s最小 %(stated)s，需求 %(needed)s", **given)
    return _l("%(label)s范围 %(stated)s，需求 %(needed)s", **given)


def _materials(need: dict, cap: dict) -> dict | None:
    """Each material the need names must be among the supplier's."""
    return _listed(need, cap, "mat", every=True)


def _processes(need: dict, cap: dict) -> dict | None:
    """One of the need's processes is enough: a need often lists more steps than the one it
    is buying."""
    return _listed(need, cap, "proc", every=False)


def _listed(need: dict, cap: dict, family: str, every: bool) -> dict | None:
    """The need's materials or processes (`family`) against the ones the supplier restricts
    itself to ('只做铝合金', hard) or else names (soft: it may not have listed them all);
    `every`: each asked must be named, else one is enough."""
    restricted = _only(need, cap, family)
    offered, asked = _of(family, cap.get("terms")), _of(family, need.get("terms"))
    if restricted or not offered or not asked:
        return restricted
    missing = _not_covered(asked, offered)
    name = _names(asked)
    if missing if every else missing == asked:
        return _result(_KIND[family], name, NOT_MET,
                       _l("供应商未列出%(missing)s（所列：%(offered)s）", missing=_names(missing),
                          offered=_names(offered)), hard=False)
    return _result(_KIND[family], name, MET)


def _only(need: dict, cap: dict, family: str) -> dict | None:
    """'只做铝合金', 'die casting only': a need for none of these is not served."""
    only = _of(family, (c for item in cap.get("only") or [] for c in item["concepts"]))
    asked = _of(family, need.get("terms"))
    if not only or not asked:
        return None
    kind, name = _KIND[family], _names(asked)
    if _not_covered(asked, only) == asked:
        return _result(kind, name, NOT_MET, _l("供应商仅做%(only)s，需求为%(name)s", only=_names(only),
                                            name=name))
    return _result(kind, name, MET)


def _of(family: str, terms) -> set[str]:
    return {t for t in terms or [] if t.startswith(family + ":")}


def _not_covered(asked: set[str], offered: set[str]) -> set[str]:
    return {a for a in asked if not any(covers(o, a) or covers(a, o) for o in offered)}


def _names(terms: set[str]) -> Text | str:
    return joined(NAMES[t] for t in sorted(terms))


def _exclusions(need: dict, cap: dict) -> list[dict]:
    return [dict(_result("exclusion", _l("不做%(item)s", item=item["text"]), NOT_MET,
                         _l("供应商注明不做%(item)s", item=item["text"])),
                 concepts=item["concepts"], words=item["words"])
            for item in cap.get("exclusions") or [] if _concerns(item, need)]


def _concerns(item: dict, need: dict) -> bool:
    """The need names every concept of the excluded item and the words beside them."""
    named = need.get("concepts") or []
    return (all(any(covers(concept, c) for c in named) for concept in item["concepts"])
            and all(word in need["text"] for word in item["words"]))
