"""Applicant-facing tracking pages (being built)."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)
