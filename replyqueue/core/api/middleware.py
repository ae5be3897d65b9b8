from django.conf import settings
from django.http import JsonResponse


class ApiBodySizeLimitMiddleware:
    """Refuse oversized API bodies with 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"error": "Invalid Content-Length header."}, status=400)
            if length > settings.API_MAX_BODY_BYTES:
                return JsonResponse(
                    {"error": f"Request body too large: {length} bytes, at most {settings.API_MAX_BODY_BYTES}."},
                    status=413,
                )
        return self.get_response(request)
