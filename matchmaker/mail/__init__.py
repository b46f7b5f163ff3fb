"""Outgoing e-mail: the user's choice of what they receive, and the organizers' outbox."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail", template_folder="templates")
