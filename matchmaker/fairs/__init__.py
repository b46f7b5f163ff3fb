"""Matchmaking fairs: set-up (setup), registration and proposed pairs (proposals), requests and
the day's outcomes (meetings), the timetable and agendas (timetable) from the solver
(scheduling), standby on the day (standby), priorities, the report after the fair (report,
attribution) and the follow-up questions (followup)."""
from flask import Blueprint

bp = Blueprint("fairs", __name__, template_folder="templates", url_prefix="/fairs")
