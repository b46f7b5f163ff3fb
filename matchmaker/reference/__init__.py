"""Reference data: divisions, clusters, parks and the category taxonomy, seeded from the city's
files (seeds), edited by the office (edits; pages in views, the same edits as `matchmaker
reference …` in commands), with park names read as people write them (parks)."""
from flask import Blueprint

bp = Blueprint("reference", __name__, template_folder="templates", url_prefix="/reference")
