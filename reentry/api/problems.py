"""RFC 9457 problem details: every API error is one JSON shape, naming the field at fault."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import jsonify

CONTENT_TYPE = "application/problem+json"


@dataclass
class Problem:
    status: int
    title: str
    detail: str
    errors: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"type": "about:blank", "title": self.title, "status": self.status, "detail": self.detail,
                "errors": [{"field": name, "detail": message} for name, message in self.errors]}


def problem_response(problem: Problem, headers: dict | None = None):
    response = jsonify(problem.as_json())
    response.status_code = problem.status
    response.content_type = CONTENT_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
