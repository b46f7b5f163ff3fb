"""Suppliers' pages: their capability profile and the needs that fit them (services in
matching and needs)."""
from flask import Blueprint

bp = Blueprint("suppliers", __name__, template_folder="templates", url_prefix="/suppliers")
