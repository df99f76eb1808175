"""A postprocessing hook for the OpenAPI document: every operation documents the errors it can answer with.

Any endpoint can refuse a request with no or a bad token (401) or a role that may not use it (403); one that
takes an id can find nothing (404); one that takes a body or query parameters can refuse them (400). DRF
answers each as JSON: {"detail": "..."} or, for a 400, the problems by field; a write can also meet a database
busy past its timeout (503, with Retry-After). Written here once rather than on
every view, so the document (and schemathesis, which checks responses against it) knows them all.
"""

from __future__ import annotations

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in plain English."}},
    "required": ["detail"],
}
PROBLEMS = {
    "type": "object",
    "description": "Each problem under the field (or query parameter) it concerns; others under non_field_errors.",
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Refused: each problem under the field it concerns.",
    "401": "No token, or a token that is not recognised or has been revoked.",
    "403": "Your role does not allow this, with the reason.",
    "404": "No such record that you can see.",
    "503": "The database was busy past its timeout; nothing was saved. Send the request again after Retry-After seconds.",
}


def document_errors(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ["401", "403"]
            if "{" in path:
                codes.append("404")
            if operation.get("parameters") or operation.get("requestBody"):
                codes.append("400")
            if method != "get":
                codes.append("503")  # a write that waited past the database's busy timeout
            responses = operation.setdefault("responses", {})
            for code in codes:
                response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                response.setdefault("content", {"application/json": {"schema": PROBLEMS if code == "400" else DETAIL}})
    return result
