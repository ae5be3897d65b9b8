from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.comments.serializers import (
    MAX_BATCH,
    CommentBatchIn,
    CommentIn,
    IngestResponseOut,
    IngestResultOut,
)
from replyqueue.comments.services import comments_ingest
from replyqueue.core.api.errors import api_error


def validate_comments(payload) -> tuple[list[dict] | None, Response | None]:
    """One comment or {"comments": [...]}; any invalid item refuses the whole batch."""
    if not isinstance(payload, dict):
        return None, api_error("Expected a JSON object: one comment, or {\"comments\": [...]}.", 400)
    if "comments" in payload:
        batch = CommentBatchIn(data=payload)
        if not batch.is_valid():
            return None, api_error(f"Invalid batch (1 to {MAX_BATCH} comments).", 400, batch.errors)
        raw_items = batch.validated_data["comments"]
    else:
        raw_items = [payload]
    items, errors = [], {}
    for index, raw in enumerate(raw_items):
        serializer = CommentIn(data=raw)
        if serializer.is_valid():
            items.append(serializer.validated_data)
        else:
            errors[str(index)] = serializer.errors
    if errors:
        message = "Invalid comment." if "comments" not in payload else "Invalid batch: nothing was stored."
        return None, api_error(message, 400, errors if "comments" in payload else errors["0"])
    return items, None


class CommentListCreate(APIView):
    @extend_schema(
        request=CommentIn,
        responses={
            201: IngestResponseOut,
            200: OpenApiResponse(IngestResponseOut, description="Every comment was already stored (duplicates)."),
        },
        summary="Push one comment, or a batch of up to 500 as {\"comments\": [...]}",
        examples=[
            OpenApiExample(
                "one comment",
                value={
                    "platform": "youtube",
                    "external_id": "Ugx123",
                    "text": "What camera do you use?",
                    "author": {"external_id": "UC42", "name": "Sam"},
                    "post": {"external_id": "dQw4w9WgXcQ", "title": "My studio tour"},
                },
            )
        ],
    )
    def post(self, request):
        items, error = validate_comments(request.data)
        if error:
            return error
        results = comments_ingest(creator=request.auth.creator, items=items)
        created = any(not r.duplicate for r in results)
        return Response(
            {"results": IngestResultOut(results, many=True).data},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
