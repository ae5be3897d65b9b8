from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.api.errors import api_error
from replyqueue.api.pagination import paginate
from replyqueue.clone.knowledge import knowledge_add, knowledge_delete, knowledge_input_from_api
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.serializers import MAX_KNOWLEDGE_BATCH, KnowledgeBatchIn, KnowledgeIn, KnowledgeOut


class KnowledgeListCreate(APIView):
    @extend_schema(responses=KnowledgeOut(many=True), summary="The creator's knowledge, newest first")
    def get(self, request):
        items = KnowledgeItem.objects.filter(creator=request.auth.creator)
        if kind := request.query_params.get("kind"):
            items = items.filter(kind=kind)
        return paginate(request, self, items, KnowledgeOut)

    @extend_schema(request=KnowledgeIn, summary="Add one item, or {\"items\": [...]} (faq, reply, post)")
    def post(self, request):
        payload = request.data
        if not isinstance(payload, dict):
            return api_error("Expected a JSON object: one item, or {\"items\": [...]}.", 400)
        is_batch = "items" in payload
        if is_batch:
            batch = KnowledgeBatchIn(data=payload)
            if not batch.is_valid():
                return api_error(f"Invalid batch (1 to {MAX_KNOWLEDGE_BATCH} items).", 400, batch.errors)
            raw_items = batch.validated_data["items"]
        else:
            raw_items = [payload]
        serializers = [KnowledgeIn(data=raw) for raw in raw_items]
        errors = {str(i): s.errors for i, s in enumerate(serializers) if not s.is_valid()}
        if errors:
            return api_error("Invalid knowledge: nothing was stored.", 400, errors if is_batch else errors["0"])
        stored = knowledge_add(
            creator=request.auth.creator,
            items=[knowledge_input_from_api(s.validated_data) for s in serializers],
            origin="api",
        )
        return Response({"results": [{"id": k.id, "kind": k.kind} for k in stored]}, status=status.HTTP_201_CREATED)


class KnowledgeDetail(APIView):
    @extend_schema(responses={204: None}, summary="Remove an item")
    def delete(self, request, pk: int):
        if not knowledge_delete(creator=request.auth.creator, item_id=pk):
            return api_error("Not found.", 404)
        return Response(status=status.HTTP_204_NO_CONTENT)
