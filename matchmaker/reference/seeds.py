"""A city's starting reference data, from its seed files.

A city is a folder: its policy file (policy.toml) and, beside it, clusters.csv, parks.csv and
categories.csv (UTF-8, one row per item; `aliases` separated by 、 or |). `matchmaker init` loads
the folder of the configured policy file, or the default city (长沙) when that folder has no seed
files. Seeding only adds what is missing: once loaded, the office edits reference data on its
pages, and a later `init` neither undoes a rename nor brings back a merged item.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from graph import reference
from matchmaker import regions

CITIES = Path(__file__).resolve().parent.parent / "cities"
DEFAULT_CITY = CITIES / "changsha"
FILES = {"cluster": "clusters.csv", "park": "parks.csv", "category": "categories.csv"}
CREATE = {"cluster": reference.create_clusters, "park": reference.create_parks,
          "category": reference.create_categories}


def city_of(policy_file: str | Path) -> Path:
    folder = Path(policy_file).resolve().parent
    return folder if (folder / FILES["park"]).exists() else DEFAULT_CITY


def split_aliases(text: str) -> list[str]:
    return list(dict.fromkeys(a for a in (s.strip() for s in re.split(r"[、|,，;；\n]", text or ""))
                              if a))


def read_rows(kind: str, text: str) -> list[dict]:
    """A seed file's rows as the graph stores them (codes upper-case, empty cells None)."""
    rows = []
    for raw in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        out = {"code": row["code"].upper(), "name": row["name"],
               "aliases": split_aliases(row.get("aliases", ""))}
        if kind == "park":
            out["region"] = regions.resolve(row["region"]).code
        else:
            out["name_en"] = row.get("name_en") or None
        if kind == "category":
            out["parent"] = row.get("parent", "").upper() or None
        rows.append(out)
    return rows


def read_city(folder: Path) -> dict[str, list[dict]]:
    return {kind: read_rows(kind, (folder / name).read_text(encoding="utf-8"))
            for kind, name in FILES.items()}


def seed(graph, city: Path | None = None) -> dict:
    """Idempotent: divisions when missing, then the city's items whose codes are new."""
    if graph.read(reference.count_regions) < len(regions.divisions()):
        rows = [{"code": d.code, "name": d.name, "level": d.level, "kind": d.kind,
                 "parent": d.parent} for d in regions.divisions().values()]
        for i in range(0, len(rows), 1000):
            graph.write(reference.merge_regions, rows[i:i + 1000])
    items = read_city(city or DEFAULT_CITY)
    graph.write(_create_missing, items)
    graph.forget_kept()
    return {"city": (city or DEFAULT_CITY).name, "regions": len(regions.divisions()),
            **{FILES[kind].removesuffix(".csv"): len(rows) for kind, rows in items.items()}}


def _create_missing(tx, items: dict[str, list[dict]]) -> None:
    created = False
    for kind, rows in items.items():
        known = reference.codes(tx, kind)
        new = [r for r in rows if r["code"] not in known]
        if new:
            CREATE[kind](tx, new)
            created = True
    if created:
        reference.bump_version(tx)
