"""The chain map: coverage, missing links, single sources, park output and the what-if of
moving spending local (service), the layered map's data (diagram), drawn and exported for
the office (views)."""
from flask import Blueprint

bp = Blueprint("chainmap", __name__, template_folder="templates", url_prefix="/chain")
