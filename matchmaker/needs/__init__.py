from flask import Blueprint

bp = Blueprint("needs", __name__, template_folder="templates", url_prefix="/needs")

from matchmaker.needs import views  # noqa: E402,F401
