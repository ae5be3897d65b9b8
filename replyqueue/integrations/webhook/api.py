from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.core.api.errors import api_error
from replyqueue.integrations.webhook.secrets import webhook_secret_rotate
from replyqueue.publishing.models import RetiredWebhookSecret
from replyqueue.publishing.serializers import RotateSecretIn, RotateSecretOut

ROTATE_EXPLICITLY = (
    'To rotate the webhook secret, send {"grace_hours": <hours>}: how long the old secret keeps '
    "signing too (0 stops it at once)."
)


class WebhookSecretRotate(APIView):
    @extend_schema(
        request=RotateSecretIn,
        responses=RotateSecretOut,
        summary="Rotate the webhook signing secret; the old one also signs deliveries for grace_hours",
    )
    def post(self, request):
        data = RotateSecretIn(data=request.data if isinstance(request.data, dict) else {})
        if not data.is_valid():
            return api_error(ROTATE_EXPLICITLY, 400, data.errors)
        creator = request.auth.creator
        if not creator.webhook_url:
            return api_error("No webhook is configured: set one first.", 409)
        grace_hours = data.validated_data["grace_hours"]
        secret = webhook_secret_rotate(creator=creator, grace=timedelta(hours=grace_hours))
        until = (
            RetiredWebhookSecret.objects.filter(creator=creator, expires_at__gt=timezone.now())
            .order_by("-expires_at")
            .values_list("expires_at", flat=True).first()
        )
        return Response(RotateSecretOut({"secret": secret, "previous_secrets_valid_until": until}).data)
