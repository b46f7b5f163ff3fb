"""The JSON API under /api/v1 (views), its input schema (schema) and OpenAPI document
(openapi)."""
from flask import Blueprint

bp = Blueprint("api", __name__)
