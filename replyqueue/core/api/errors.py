"""Every API error is JSON with a clear message: {"error": "...", "details": ...}."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def error_body(message: str, details=None) -> dict:
    body = {"error": message}
    if details is not None:
        body["details"] = details
    return body


def json_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("Request body too large."), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's handler500 answers JSON for /api/
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = error_body(str(data["detail"]))
    elif isinstance(exc, exceptions.ValidationError):
        response.data = error_body("Invalid input.", data)
    else:
        response.data = error_body(str(getattr(exc, "detail", "Error")), data)
    return response


def api_error(message: str, http_status: int, details=None) -> Response:
    return Response(error_body(message, details), status=http_status)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("Not found."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return JsonResponse(error_body("Internal server error. The error was logged."), status=500)
    from django.views.defaults import server_error

    return server_error(request)
