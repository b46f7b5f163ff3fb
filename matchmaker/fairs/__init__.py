from flask import Blueprint

# Matchmaking fairs: set-up, registration, requests, schedule, agendas, outcomes
# (use cases in fairs/service.py, the solver in fairs/scheduling.py).
bp = Blueprint("fairs", __name__, template_folder="templates", url_prefix="/fairs")
