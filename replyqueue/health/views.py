from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from replyqueue.health.services import readiness


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage never gets
    healthy web processes restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and the broker answer, and a worker ran the heartbeat recently."""
    checks = readiness()
    ready = all(check.ok for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": {name: c.detail for name, c in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)
