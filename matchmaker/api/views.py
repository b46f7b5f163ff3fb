"""JSON API for ERP integration. Session or `Authorization: Bearer` token; errors are
{"error", "message", "field"?, "details"?}; lists are {"items", "page", "per_page", "total"}."""
from flask import current_app, jsonify, request
from flask_login import current_user

from graph import catalog
from graph.db import GraphUnavailable
from matchmaker.api import bp, schema
from matchmaker.api.openapi import spec
from matchmaker.auth.access import api_access
from matchmaker.companies import directory
from matchmaker.errors import ValidationError
from matchmaker.extensions import csrf, current_policy, db
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import rates
from matchmaker.incentives import service as awards
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters
from matchmaker.needs import service as need_service
from matchmaker.web import int_arg, year_arg
from matchmaker.i18n import _l

# JSON bodies only: a cross-site form cannot send application/json without a CORS preflight,
# which this API never grants, so CSRF tokens are not needed here.
csrf.exempt(bp)


@bp.route("/healthz")
def healthz():
    """Up or down for anyone (load balancers); which server and version only for the office."""
    try:
        info = db().server_info()
    except GraphUnavailable as e:
        current_app.logger.warning("healthz: graph unavailable: %s", e)
        return jsonify({"status": "unavailable"}), 503
    if current_user.is_authenticated and current_user.is_organizer:
        return jsonify({"status": "ok", "graph": info})
    return jsonify({"status": "ok"})


@bp.route("/api/v1/openapi.json")
def openapi():
    return jsonify(spec())


def _body(key: str, kind: type):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(key), kind):
        raise ValidationError(_l("请求体应为 JSON 对象，含“%(key)s”字段", key=key), field=key)
    return body[key]


def _page() -> tuple[int, int]:
    return directory.page_args(request.args.get("page"), request.args.get("per_page"))


@bp.route("/api/v1/companies")
@api_access("companies:read")
def companies():
    filters = {"role": request.args.get("role"), "status": request.args.get("status"),
               "search": (request.args.get("q") or "").strip()[:50],
               "region": request.args.get("region"), "park": request.args.get("park")}
    return jsonify(directory.companies(db(), current_user, filters, *_page()))


@bp.route("/api/v1/companies/<credit_code>")
@api_access("companies:read")
def company(credit_code):
    return jsonify(directory.company(db(), current_user, credit_code))


@bp.route("/api/v1/needs")
@api_access("needs:read")
def needs():
    status = request.args.get("status") or None
    if status and status not in service.NEED_STATUSES:
        raise ValidationError(_l("status 应为 %(join)s", join=', '.join(service.NEED_STATUSES)),
                              field="status")
    return jsonify(directory.needs(db(), current_user, status, *_page()))


@bp.route("/api/v1/needs", methods=["POST"])
@api_access("needs:write", "anchor")
def post_need():
    need = schema.checked(request.get_json(silent=True), schema.NEED)
    saved = need_service.save_need(db(), current_app.config["EMBEDDING_MODEL"],
                                   current_user, need)
    return jsonify(service.shown(db().read(catalog.get_need, saved["id"]), "need")), 201


@bp.route("/api/v1/needs/<need_id>")
@api_access("needs:read")
def need(need_id):
    return jsonify(service.get_need_for(db(), need_id, current_user))


@bp.route("/api/v1/needs/<need_id>", methods=["PATCH"])
@api_access("needs:write", "anchor")
def patch_need(need_id):
    return jsonify(need_service.set_need_status(db(), current_user, need_id,
                                                _body("status", str)))


@bp.route("/api/v1/needs/<need_id>/matches")
@api_access("matches:read", "anchor", "organizer")
def need_matches(need_id):
    certs = request.args.getlist("cert")
    if len(certs) > 20 or any(len(c) > 50 for c in certs):
        raise ValidationError(_l("cert 最多20个，每个不超过50字"), field="cert")
    filters = Filters(local_only=request.args.get("local_only") == "1", required_certs=certs)
    return jsonify(service.match_need(db(), need_id, current_user, filters))


@bp.route("/api/v1/capabilities")
@api_access("capabilities:read", "supplier")
def capabilities():
    return jsonify({"items": service.capabilities_shown(db(), current_user.company)})


@bp.route("/api/v1/capabilities", methods=["POST"])
@api_access("capabilities:write", "supplier")
def post_capabilities():
    """Adds capabilities, or replaces the ones whose `id` is the supplier's own."""
    items = schema.checked_list(request.get_json(silent=True), "capabilities",
                                schema.CAPABILITY, 100)
    own = {c["id"] for c in db().read(catalog.capabilities_of, current_user.company)}
    for i, cap in enumerate(items, start=1):
        if cap["id"] and cap["id"] not in own:
            raise ValidationError(_l("第%(i)s项：能力 %(id)s 不属于本企业", i=i, id=cap['id']), field="id")
    ids = service.save_capabilities(db(), current_app.config["EMBEDDING_MODEL"],
                                    current_user.company, items)
    return jsonify({"ids": ids}), 201


@bp.route("/api/v1/suppliers/me/matching-needs")
@api_access("matches:read", "supplier")
def supplier_matching_needs():
    return jsonify({"needs": service.match_supplier(db(), current_user.company)})


@bp.route("/api/v1/rates")
@api_access("rates:read", "anchor", "organizer")
def rate_report():
    """Organizers see every anchor and cluster; an anchor sees only itself."""
    anchor = None if current_user.is_organizer else current_user.company
    return jsonify(rates.report(db(), current_policy(), year_arg(required=True),
                                int_arg("years_back", 0, 0, 10), anchor))


@bp.route("/api/v1/awards")
@api_access("rates:read", "anchor", "organizer")
def award_report():
    """Organizers see every subject; an anchor sees only its own row."""
    year = year_arg(required=True)
    if current_user.is_organizer:
        return jsonify(awards.compute(db(), current_policy(), year, current_user.email,
                                      store=False))
    report = awards.compute(db(), current_policy(), year, current_user.email, store=False,
                            anchor=current_user.company)
    return jsonify({"year": report["year"], "anchors": report["anchors"]})


@bp.route("/api/v1/purchases", methods=["POST"])
@api_access("purchases:write", "anchor", "organizer")
def post_purchases():
    """{"rows": [{anchor_credit_code, supplier_credit_code, invoice_no, date, amount_yuan,
    category}]} — all or nothing; rows are numbered from 1 in errors."""
    rows = schema.checked_list(request.get_json(silent=True), "rows",
                               dict.fromkeys(ledger.PURCHASE_COLUMNS, schema.SCALAR), 10_000)
    table = [(i, {k: "" if v is None else str(v) for k, v in row.items()})
             for i, row in enumerate(rows, start=1)]
    report = ledger.import_purchases(
        db(), table, current_user.email, source="api",
        only_anchor=None if current_user.is_organizer else current_user.company)
    return jsonify(report.to_dict()), 201 if report.created else 200
