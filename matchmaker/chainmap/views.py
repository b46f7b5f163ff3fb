from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _

from graph import chain as chain_store
from graph import reference
from matchmaker import clock
from matchmaker.auth.access import roles_required
from matchmaker.chainmap import bp, diagram
from matchmaker.chainmap import service as chain
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy, db
from matchmaker.money import yuan, yuan_decimal
from matchmaker.web import int_arg, xlsx_response, year_arg
from matchmaker.i18n import _l


def _args() -> tuple[int, str | None]:
    """The year and the cluster (a live cluster's code, or None for every cluster)."""
    cluster = request.args.get("cluster") or None
    if cluster and cluster not in {c["code"] for c in db().read_once(reference.list_clusters)}:
        raise ValidationError(_l("没有这个产业集群"), field="cluster")
    return year_arg(), cluster


@bp.route("/")
@roles_required("organizer")
def index():
    year, cluster = _args()
    policy = current_policy()
    report = chain.coverage(db(), policy, year, cluster)
    simulation = None
    category, pct = request.args.get("category"), int_arg("pct", None, 0, 100)
    if category and pct is not None:
        simulation = chain.simulate(db(), policy, year, category, pct)
    years = db().read(chain_store.purchase_years, policy.first_year, clock.today().year + 1)
    return render_template(
        "chainmap/index.html", year=year, cluster=cluster, report=report, simulation=simulation,
        chain_map=diagram.chain_map(db(), policy, report), years=sorted({*years, year}),
        clusters=db().read_once(reference.list_clusters), parks=chain.parks(db(), year),
        cluster_names={c["code"]: c["name"]
                       for c in db().read_once(reference.list_clusters, True)},
        categories=[c for c in db().read_once(reference.list_categories) if c["parent"]])


@bp.route("/map.json")
@roles_required("organizer")
def map_data():
    year, cluster = _args()
    report = chain.coverage(db(), current_policy(), year, cluster)
    return jsonify(diagram.chain_map(db(), current_policy(), report))


@bp.route("/part.json")
@roles_required("organizer")
def part_data():
    year, cluster = _args()
    part = request.args.get("part")
    if not part:
        raise ValidationError(_l("缺少 part 参数"), field="part")
    return jsonify(diagram.part_suppliers(db(), current_policy(), year, cluster, part))


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
    return xlsx_response({_("缺失环节招商清单"): (
        [_("品类代码"), _("品类"), _("大类"), _("需求主机企业"), _("市外采购额(元)"), _("采购总额(元)"),
         _("本地可配套企业数"), _("在招需求数"), _("现有市外供应商（招商对象）")], rows)},
        f"missing-links-{year}.xlsx")
