"""The chain map: coverage, missing links, single sources, park output and the what-if of
moving spending local (service), drawn and exported for the office (views)."""
from flask import Blueprint

bp = Blueprint("chainmap", __name__, template_folder="templates", url_prefix="/chain")
