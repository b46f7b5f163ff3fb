from flask import jsonify, request
from flask_login import current_user, login_required

from matchmaker import awards, ledger
from matchmaker.auth.access import roles_required
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters

from graph.db import GraphUnavailable
from matchmaker.api import bp
from matchmaker.errors import ValidationError
from matchmaker.extensions import csrf, current_policy, graph


@bp.route("/healthz")
@csrf.exempt
def healthz():
    try:
        info = graph().server_info()
    except GraphUnavailable as e:
        return jsonify({"status": "unavailable", "graph": {"error": str(e)}}), 503
    return jsonify({"status": "ok", "graph": info})


@bp.route("/api/v1/needs/<need_id>/matches")
@login_required
def need_matches(need_id):
    filters = Filters(local_only=request.args.get("local_only") == "1",
                      required_certs=request.args.getlist("cert"))
    return jsonify(service.match_need(graph(), need_id, current_user, filters))


@bp.route("/api/v1/suppliers/me/matching-needs")
@roles_required("supplier")
def supplier_matching_needs():
    return jsonify({"needs": service.match_supplier(graph(), current_user.company)})



def _year() -> int:
    year = request.args.get("year", type=int)
    if year is None or not 1990 <= year <= 2100:
        raise ValidationError("year 参数缺失或超出范围", field="year")
    return year


@bp.route("/api/v1/rates")
@roles_required("anchor", "organizer")
def rates():
    """Organizers see every anchor and cluster; an anchor sees only itself."""
    anchor = None if current_user.is_organizer else current_user.company
    return jsonify(ledger.rates(graph(), current_policy(), _year(),
                                min(request.args.get("years_back", 0, type=int), 10), anchor))


@bp.route("/api/v1/awards")
@roles_required("anchor", "organizer")
def award_report():
    report = awards.compute(graph(), current_policy(), _year(), current_user.email, store=False)
    if not current_user.is_organizer:
        report = {"year": report["year"], "anchors": [
            r for r in report["anchors"] if r["anchor"] == current_user.company]}
    return jsonify(report)


@bp.route("/api/v1/purchases", methods=["POST"])
@csrf.exempt  # JSON with session or token auth; browsers cannot send it cross-site as a form
@roles_required("anchor", "organizer")
def post_purchases():
    """{"rows": [{anchor_credit_code, supplier_credit_code, invoice_no, date, amount_yuan,
    category}]} — all or nothing; rows are numbered from 1 in errors."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        raise ValidationError("请求体应为 {\"rows\": [...]}", field="rows")
    if len(body["rows"]) > 10_000:
        raise ValidationError("每次最多 10000 行", field="rows")
    table = [(i, {k: str(row.get(k, "") if row.get(k) is not None else "")
                  for k in ledger.PURCHASE_COLUMNS} if isinstance(row, dict) else {})
             for i, row in enumerate(body["rows"], start=1)]
    report = ledger.import_purchases(
        graph(), table, current_user.email, source="api",
        only_anchor=None if current_user.is_organizer else current_user.company)
    return jsonify(report.to_dict()), 201 if report.created else 200
