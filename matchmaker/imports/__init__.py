from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")
