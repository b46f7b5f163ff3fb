from flask import Blueprint

# The office's pages for reference data: parks, clusters, the category taxonomy, and the park
# names that imports proposed (the rules live in matchmaker/reference_data).
bp = Blueprint("reference", __name__, template_folder="templates", url_prefix="/reference")
