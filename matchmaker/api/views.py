from flask import jsonify

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
