"""Anchors' procurement needs: their pages (views, forms) and the needs service (service: save,
publish, announce, shortlist, interest). Ranking itself is in matching."""
from flask import Blueprint

bp = Blueprint("needs", __name__, template_folder="templates", url_prefix="/needs")
