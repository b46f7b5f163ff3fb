from __future__ import annotations

from datetime import date

from flask import Response, jsonify, render_template, request

from graph import chain as chain_store
from graph import reference
from matchmaker import chain, rewards, tables
from matchmaker.auth.access import roles_required
from matchmaker.chainmap import bp, diagram
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy, graph
from matchmaker.web import int_arg, year_arg


def _args() -> tuple[int, str | None]:
    """The year and the cluster (a live cluster's code, or None for every cluster)."""
    cluster = request.args.get("cluster") or None
    if cluster and cluster not in {c["code"] for c in graph().read_once(reference.list_clusters)}:
        raise ValidationError("没有这个产业集群", field="cluster")
    return year_arg(current_policy()), cluster


@bp.route("/")
@roles_required("organizer")
def index():
    year, cluster = _args()
    policy = current_policy()
    report = chain.coverage(graph(), policy, year, cluster)
    simulation = None
    category, pct = request.args.get("category"), int_arg("pct", None, 0, 100)
    if category and pct is not None:
        simulation = chain.simulate(graph(), policy, year, category, pct)
    years = graph().read(chain_store.purchase_years, policy.first_year, date.today().year + 1)
    return render_template(
        "chainmap/index.html", year=year, cluster=cluster, report=report, simulation=simulation,
        chain_map=diagram.chain_map(graph(), policy, report), years=sorted({*years, year}),
        clusters=graph().read_once(reference.list_clusters), parks=chain.parks(graph(), year),
        cluster_names={c["code"]: c["name"]
                       for c in graph().read_once(reference.list_clusters, True)},
        categories=[c for c in graph().read_once(reference.list_categories) if c["parent"]])


@bp.route("/map.json")
@roles_required("organizer")
def map_data():
    year, cluster = _args()
    report = chain.coverage(graph(), current_policy(), year, cluster)
    return jsonify(diagram.chain_map(graph(), current_policy(), report))


@bp.route("/part.json")
@roles_required("organizer")
def part_data():
    year, cluster = _args()
    part = request.args.get("part")
    if not part:
        raise ValidationError("缺少 part 参数", field="part")
    return jsonify(diagram.part_suppliers(graph(), current_policy(), year, cluster, part))


@bp.route("/missing-links.xlsx")
@roles_required("organizer")
def export_missing():
    year, cluster = _args()
    report = chain.coverage(graph(), current_policy(), year, cluster)
    yuan = rewards.yuan_decimal
    rows = []
    for r in report["missing_links"]:
        invite = "；".join(f"{s['name']}（{s['region'] or ''}，{rewards.yuan(s['amount_fen'])}）"
                          for s in r["outside_suppliers"])
        rows.append([r["category"], r["name"], r["parent"], "、".join(r["anchors"]),
                     yuan(r["nonlocal_fen"]), yuan(r["total_fen"]), r["local_suppliers"],
                     len(r["need_ids"]), invite])
    data = tables.write_xlsx({"缺失环节招商清单": (
        ["品类代码", "品类", "大类", "需求主机企业", "市外采购额(元)", "采购总额(元)",
         "本地可配套企业数", "在招需求数", "现有市外供应商（招商对象）"], rows)})
    return Response(data, headers={
        "Content-Disposition": f"attachment; filename=missing-links-{year}.xlsx",
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
