from flask import Blueprint

# The chain map and missing-link analysis (logic in chainmap/service.py).
bp = Blueprint("chainmap", __name__, template_folder="templates", url_prefix="/chain")
