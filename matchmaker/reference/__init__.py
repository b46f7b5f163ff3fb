from flask import Blueprint

# The office's pages for reference data: parks, clusters, the category taxonomy, and the park
# names that imports proposed (the rules live in reference/seeds.py, edits.py, parks.py).
bp = Blueprint("reference", __name__, template_folder="templates", url_prefix="/reference")
