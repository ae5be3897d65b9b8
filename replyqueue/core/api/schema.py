"""The OpenAPI schema declares the errors every operation can answer (errors.py's JSON body), so
clients, the docs and the schema fuzz test (tests/api/test_schema_fuzz.py) know them."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorOut(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, for a person to read.")
    details = serializers.JSONField(required=False, help_text="Per field (or per item of a batch) when invalid.")


ALWAYS = {
    "400": "Invalid input (body, query or JSON).",
    "401": "No token, or an invalid or revoked one.",
    "403": "Not allowed.",
    "404": "Not found, or not this creator's.",
    "429": "Throttled: wait for Retry-After.",
}
WITH_BODY = {
    "409": "Conflicts with the current state (a newer version, a confirmation needed, nothing configured).",
    "413": "Request body too large (API_MAX_BODY_BYTES).",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = ALWAYS | (WITH_BODY if self.method in ("POST", "PUT", "PATCH", "DELETE") else {})
        for code, description in errors.items():
            if code not in responses:
                responses[code] = {**self._get_response_for_code(ErrorOut, code, direction=direction), "description": description}
        return responses
