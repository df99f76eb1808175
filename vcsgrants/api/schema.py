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
    "412": "If-Match was not the current ETag: the record changed since you read it, and nothing was saved.",
}
STALE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in plain English."},
        "etag": {"type": "string", "description": "The current ETag: read the record again before retrying."},
        "saved_since": {
            "type": "array",
            "description": "The latest saves of the record: who, when (ISO 8601) and what.",
            "items": {
                "type": "object",
                "properties": {
                    "by": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                    "summary": {"type": "string"},
                },
            },
        },
    },
    "required": ["detail", "etag"],
}
# The reads that answer with the ETag a guarded write takes in If-Match (docs/api/concurrency.md).
ETAG_READS = {
    ("/api/programmes/{id}/", "get"),
    ("/api/programmes/{id}/monitoring-settings/", "get"),
    ("/api/agreements/{id}/", "get"),
    ("/api/funding-streams/{id}/", "get"),
    ("/api/organisations/{id}/", "get"),
    ("/api/funding-streams/{id}/budget/", "get"),
    ("/api/funding-streams/{id}/contributions/", "get"),
    ("/api/meetings/{id}/", "get"),
    ("/api/actions/{id}/", "get"),
    ("/api/consultations/{id}/", "get"),
    ("/api/allocations/", "get"),
    ("/api/payments/", "get"),
    ("/api/kpi-targets/", "get"),
}
ETAG_HEADER = {
    "ETag": {
        "description": "The version of what the matching write changes, to send back in If-Match "
        "(list reads: only when filtered to one agreement, or one stream, and one financial year; contributions: only "
        "when filtered to one financial year).",
        "schema": {"type": "string"},
    }
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
            if any(p.get("in") == "header" and p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                codes.append("412")
            responses = operation.setdefault("responses", {})
            for code in codes:
                response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                schema = {"400": PROBLEMS, "412": STALE}.get(code, DETAIL)
                response.setdefault("content", {"application/json": {"schema": schema}})
            if (path, method) in ETAG_READS and "200" in responses:
                responses["200"].setdefault("headers", {}).update(ETAG_HEADER)
    return result
