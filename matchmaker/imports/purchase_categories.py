"""Purchase categories as ERPs write them ("零部件", "原材料-钢材", "液压缸总成"): kept as written
on every purchase, and mapped to a part of the taxonomy where that can be done with confidence:
the part's own code or name, then the office's mapping of that anchor's material group, then the
embedding model. Rates and awards never depend on the category.

The model's bar was set on hand-written ERP material-group names (not on any evaluation set):
specific names ("液压油缸", "轴承", "PCB板") score ≥ 0.77 against their part, generic ones
("零部件", "标准件", "外协加工", "办公用品") ≤ 0.68, so they stay 未分类 until the office maps them."""
from __future__ import annotations

import threading

import numpy as np

from matchmaker.columns import normalize
from matchmaker.matching import encoders

MIN_SCORE = 0.75   # mean of the two encoders' cosines
MIN_MARGIN = 0.03  # over the second-best part: near-ties are not confident

_parts_cache: dict = {}
_lock = threading.Lock()


def _part_vectors(model: str, parts: list[dict]):
    key = (model, tuple(p["code"] for p in parts))
    with _lock:
        if key not in _parts_cache:
            vectors = encoders.get(model).encode(
                [f"{p['name']} {p.get('name_en') or ''}".strip() for p in parts], "passage")
            _parts_cache[key] = (np.array([v["emb"] for v in vectors]),
                                 np.array([v["emb_x"] for v in vectors]))
        return _parts_cache[key]


def suggest(model: str, texts: list[str], parts: list[dict]) -> dict[str, tuple[str, float]]:
    """{text: (part code, score)} for the texts the model maps with confidence."""
    if not texts or not parts:
        return {}
    dense, cross = _part_vectors(model, parts)
    out = {}
    for text, vec in zip(texts, encoders.get(model).encode(texts, "query")):
        scores = (dense @ np.array(vec["emb"]) + cross @ np.array(vec["emb_x"])) / 2
        best, second = np.argsort(-scores)[:2]
        if scores[best] >= MIN_SCORE and scores[best] - scores[second] >= MIN_MARGIN:
            out[text] = (parts[best]["code"], round(float(scores[best]), 2))
    return out


def group_key(anchor: str, text: str) -> str:
    """One material group of one anchor, however its ERP spaces or cases it."""
    return f"{anchor}|{normalize(text)}"


def categorize(model: str | None, rows: list[dict], parts: list[dict],
               remembered: dict[str, str]) -> list[dict]:
    """Set `category` (a part's code or None) on each purchase row from its `category_text`;
    returns one line per distinct text for the preview: text, part, score, how."""
    by_name = {}
    for part in parts:
        by_name[normalize(part["code"])] = by_name[normalize(part["name"])] = part["code"]
    groups = {(r["anchor"], r["category_text"]) for r in rows if r["category_text"]}
    pending = sorted({text for anchor, text in groups if normalize(text) not in by_name
                      and group_key(anchor, text) not in remembered})
    guessed = suggest(model, pending, parts) if model else {}
    names = {p["code"]: p["name"] for p in parts}
    decided: dict[tuple[str, str], tuple] = {}  # per anchor and text: a ledger repeats them
    for anchor, text in groups:
        code, score, how = by_name.get(normalize(text)), None, "name"
        if code is None and group_key(anchor, text) in remembered:
            code, how = remembered[group_key(anchor, text)], "office"
        elif code is None and text in guessed:
            (code, score), how = guessed[text], "model"
        decided[anchor, text] = code, score, how if code else None
    summary: dict[str, dict] = {}
    for row in rows:
        text = row["category_text"]
        if not text:
            row["category"] = None
            continue
        code, score, how = decided[row["anchor"], text]
        row["category"] = code
        summary.setdefault(text, {"text": text, "category": code,
                                  "category_name": names.get(code), "score": score,
                                  "how": how, "rows": 0})["rows"] += 1
    return sorted(summary.values(), key=lambda s: -s["rows"])
