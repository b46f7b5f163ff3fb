from flask import jsonify, request
from flask_login import current_user, login_required

from matchmaker.auth.access import roles_required
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters

from graph.db import GraphUnavailable
from matchmaker.api import bp
from matchmaker.extensions import csrf, graph


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
