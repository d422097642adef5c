from flask import Blueprint

from reentry.naloxone import models as _models  # noqa: F401

bp = Blueprint("naloxone", __name__, url_prefix="/naloxone")
