"""The home pages (a landing page for visitors, each role's figures from cockpit) and the
inbox."""
from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")
