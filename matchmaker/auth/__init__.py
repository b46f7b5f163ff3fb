"""Accounts: sign-in and registration pages (views, forms), the access checks every page and
API call goes through (access), users, sessions, registration and the office's approval of
companies (accounts), and per-user API tokens (tokens)."""
from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates", url_prefix="/auth")
