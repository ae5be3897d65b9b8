from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.api.errors import api_error
from replyqueue.api.pagination import paginate
from replyqueue.api.views import get_for_creator
from replyqueue.publishing.models import Publication, RetiredWebhookSecret
from replyqueue.publishing.serializers import (
    AckIn,
    PublicationListQuery,
    PublicationOut,
    RotateSecretIn,
    RotateSecretOut,
)
from replyqueue.publishing.services import publication_ack
from replyqueue.publishing.webhook_secrets import webhook_secret_rotate


class PublicationList(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str)],
        responses=PublicationOut(many=True),
        summary="Publications, newest first; pull clients list status=queued",
    )
    def get(self, request):
        query = PublicationListQuery(data=request.query_params)
        if not query.is_valid():
            return api_error("Invalid query.", 400, query.errors)
        publications = Publication.objects.filter(creator=request.auth.creator)
        if status := query.validated_data.get("status"):
            publications = publications.filter(status=status)
        return paginate(request, self, publications, PublicationOut)


class PublicationAck(APIView):
    @extend_schema(request=AckIn, responses=PublicationOut, summary="Pull mode: confirm a reply was published")
    def post(self, request, pk: int):
        data = AckIn(data=request.data if isinstance(request.data, dict) else {})
        if not data.is_valid():
            return api_error("Invalid input.", 400, data.errors)
        publication = get_for_creator(request, Publication, pk)
        if not publication_ack(publication=publication, external_id=data.validated_data["external_id"]):
            publication.refresh_from_db()
            return api_error(
                f"Publication is {publication.status} ({publication.connector}); only queued pull replies past "
                "their undo window can be acknowledged.",
                409,
            )
        publication.refresh_from_db()
        return Response(PublicationOut(publication).data)


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
