from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.core.api.errors import api_error
from replyqueue.privacy.erasure import Requester, fan_erase
from replyqueue.privacy.export import export_response
from replyqueue.privacy.serializers import ErasureOut, FanEraseIn


class FanErase(APIView):
    """API tokens are issued by owners only and act with the creator's full rights."""

    @extend_schema(request=FanEraseIn, responses=ErasureOut, summary="Erase a fan's data (comments, drafts, replies, learned knowledge)")
    def post(self, request):
        data = FanEraseIn(data=request.data if isinstance(request.data, dict) else {})
        if not data.is_valid():
            return api_error("Invalid input.", 400, data.errors)
        token = request.auth
        erasure = fan_erase(
            creator=token.creator, platform=data.validated_data["platform"], fan_id=data.validated_data["fan_id"],
            requester=Requester(via="api", token=token),
        )
        if erasure is None:
            return api_error("No such fan.", 404)
        body = {"erased": True, "platform": erasure.platform, "fan_hash": erasure.fan_hash, "counts": erasure.counts,
                "created_at": erasure.created_at}
        return Response(ErasureOut(body).data)


class CreatorExport(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything of this creator as one JSON document (no secrets)")
    def get(self, request):
        return export_response(creator=request.auth.creator)
