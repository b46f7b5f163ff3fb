"""Local supporting rates and rewards: the rules R0–R4 as plain functions (rules), the rates
from the ledger (rates), award proposals, decisions and their audit trail (service), and the
office's and anchors' pages (views; their figures are specs from matchmaker/charts)."""
from flask import Blueprint

bp = Blueprint("incentives", __name__, template_folder="templates", url_prefix="/incentives")
