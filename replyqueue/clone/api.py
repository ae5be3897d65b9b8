from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.clone.knowledge import knowledge_add, knowledge_delete, knowledge_input_from_api
from replyqueue.clone.models import CommunityRule, KnowledgeItem
from replyqueue.clone.rule_services import RuleError, rule_create, rule_delete, rule_update, rules_in_order
from replyqueue.clone.rules import rule_preview, validate_rule
from replyqueue.clone.serializers import (
    MAX_KNOWLEDGE_BATCH,
    KnowledgeAddedOut,
    KnowledgeBatchIn,
    KnowledgeIn,
    KnowledgeOut,
    RuleIn,
    RuleOut,
    RulePreviewIn,
    RulePreviewOut,
)
from replyqueue.core.api.errors import api_error
from replyqueue.core.api.pagination import paginate
from replyqueue.core.api.views import get_for_creator


class KnowledgeListCreate(APIView):
    @extend_schema(responses=KnowledgeOut(many=True), summary="The creator's knowledge, newest first")
    def get(self, request):
        items = KnowledgeItem.objects.filter(creator=request.auth.creator)
        if kind := request.query_params.get("kind"):
            items = items.filter(kind=kind)
        return paginate(request, self, items, KnowledgeOut)

    @extend_schema(request=KnowledgeIn, responses={201: KnowledgeAddedOut}, summary="Add one item, or {\"items\": [...]} (faq, reply, post)")
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


def _rule_error(error: RuleError) -> Response:
    details = {error.field: [str(error)]} if error.field else None
    return api_error(str(error), 400, details)


class RuleListCreate(APIView):
    @extend_schema(responses=RuleOut(many=True), summary="The creator's community rules, in the order they apply")
    def get(self, request):
        return Response({"results": RuleOut(rules_in_order(request.auth.creator.id), many=True).data})

    @extend_schema(request=RuleIn, responses={201: RuleOut}, summary="Add a rule (last, unless a position is given)")
    def post(self, request):
        serializer = RuleIn(data=request.data)
        if not serializer.is_valid():
            return api_error("Invalid rule.", 400, serializer.errors)
        try:
            rule = rule_create(creator=request.auth.creator, data=serializer.validated_data)
        except RuleError as error:
            return _rule_error(error)
        return Response(RuleOut(rule).data, status=status.HTTP_201_CREATED)


class RuleDetail(APIView):
    @extend_schema(responses=RuleOut, summary="One rule")
    def get(self, request, pk: int):
        return Response(RuleOut(get_for_creator(request, CommunityRule, pk)).data)

    @extend_schema(request=RuleIn(partial=True), responses=RuleOut, summary="Change some of a rule's fields")
    def patch(self, request, pk: int):
        rule = get_for_creator(request, CommunityRule, pk)
        serializer = RuleIn(data=request.data, partial=True)
        if not serializer.is_valid():
            return api_error("Invalid rule.", 400, serializer.errors)
        try:
            rule = rule_update(rule=rule, data=serializer.validated_data)
        except RuleError as error:
            return _rule_error(error)
        return Response(RuleOut(rule).data)

    @extend_schema(responses={204: None}, summary="Remove a rule")
    def delete(self, request, pk: int):
        rule_delete(rule=get_for_creator(request, CommunityRule, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RulePreview(APIView):
    @extend_schema(
        request=RulePreviewIn,
        responses=RulePreviewOut,
        summary="How many recent comments a rule would have caught (nothing is saved)",
    )
    def post(self, request):
        serializer = RulePreviewIn(data=request.data)
        if not serializer.is_valid():
            return api_error("Invalid rule.", 400, serializer.errors)
        data = serializer.validated_data
        if error := validate_rule(data["kind"], data["value"]):
            return api_error(error, 400, {"value": [error]})
        return Response(
            rule_preview(creator_id=request.auth.creator.id, kind=data["kind"], value=data["value"], days=data["days"])
        )
