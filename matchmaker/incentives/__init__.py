from flask import Blueprint

# Web pages of the ledger, local supporting rates and award approval (rules live in
# incentives/rules.py, the service in incentives/service.py).
bp = Blueprint("incentives", __name__, template_folder="templates", url_prefix="/incentives")
