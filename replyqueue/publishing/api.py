
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.core.api.errors import api_error
from replyqueue.core.api.pagination import paginate
from replyqueue.core.api.views import get_for_creator
from replyqueue.publishing.models import Publication
from replyqueue.publishing.serializers import (
    AckIn,
    PublicationListQuery,
    PublicationOut,
)
from replyqueue.publishing.services import publication_ack


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
