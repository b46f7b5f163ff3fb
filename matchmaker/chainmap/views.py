from __future__ import annotations

from flask import jsonify, render_template, request

from graph import chain as chain_store
from graph import reference
from matchmaker.auth.access import roles_required
from matchmaker.chainmap import bp
from matchmaker.chainmap import service as chain
from matchmaker.extensions import current_policy, db
from matchmaker.money import yuan, yuan_decimal
from matchmaker.web import int_arg, xlsx_response, year_arg


def _args() -> tuple[int, str | None]:
    return year_arg(), request.args.get("cluster") or None


@bp.route("/")
@roles_required("organizer")
def index():
    year, cluster = _args()
    report = chain.coverage(db(), current_policy(), year, cluster)
    simulation = None
    category, pct = request.args.get("category"), int_arg("pct", None, 0, 100)
    if category and pct is not None:
        simulation = chain.simulate(db(), current_policy(), year, category, pct)
    return render_template(
        "chainmap/index.html", year=year, cluster=cluster, report=report, simulation=simulation,
        clusters=db().read_once(reference.list_clusters), parks=chain.parks(db(), year),
        all_parks=db().read_once(reference.list_parks),
        categories=[c for c in db().read_once(reference.list_categories) if c["parent"]])


@bp.route("/map.json")
@roles_required("organizer")
def map_data():
    _, cluster = _args()
    return jsonify(db().read(chain_store.map_elements, current_policy().region, cluster,
                                request.args.get("category") or None,
                                request.args.get("park") or None))


@bp.route("/missing-links.xlsx")
@roles_required("organizer")
def export_missing():
    year, cluster = _args()
    report = chain.coverage(db(), current_policy(), year, cluster)
    rows = []
    for r in report["missing_links"]:
        invite = "；".join(f"{s['name']}（{s['region'] or ''}，{yuan(s['amount_fen'])}）"
                          for s in r["outside_suppliers"])
        rows.append([r["category"], r["name"], r["parent"], "、".join(r["anchors"]),
                     yuan_decimal(r["nonlocal_fen"]), yuan_decimal(r["total_fen"]),
                     r["local_suppliers"], len(r["need_ids"]), invite])
    return xlsx_response({"缺失环节招商清单": (
        ["品类代码", "品类", "大类", "需求主机企业", "市外采购额(元)", "采购总额(元)",
         "本地可配套企业数", "在招需求数", "现有市外供应商（招商对象）"], rows)},
        f"missing-links-{year}.xlsx")
