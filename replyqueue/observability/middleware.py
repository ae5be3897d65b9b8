import re
import uuid

from replyqueue.observability.logs import request_id_var

# A proxy's id is kept if it looks like one (no spaces, no control characters, bounded length).
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Every request gets an id: the incoming X-Request-ID if a proxy set a sane one, a new one
    otherwise. It is in every log line of the request, in the tasks it enqueues, and in the
    response's X-Request-ID header (quote it when reporting a problem)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
