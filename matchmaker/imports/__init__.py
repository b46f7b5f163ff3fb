"""Spreadsheet imports, on the web (`/imports/`, views) and the command line: a preview then a
run on the worker (jobs), one module per kind of file (companies, suppliers, needs, purchases),
what they share (rows), and how purchase category texts find a part (purchase_categories)."""
from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")
