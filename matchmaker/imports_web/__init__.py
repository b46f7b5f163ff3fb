from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")

from matchmaker.imports_web import views  # noqa: E402,F401
