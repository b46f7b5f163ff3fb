from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from matchmaker.main import views  # noqa: E402,F401
