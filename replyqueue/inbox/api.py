from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from replyqueue.clone.models import ContentBrief
from replyqueue.clone.serializers import BriefIn
from replyqueue.comments.models import Comment
from replyqueue.core.api.errors import api_error
from replyqueue.core.api.pagination import paginate
from replyqueue.core.api.views import get_for_creator
from replyqueue.inbox.actions import (
    Actor,
    Conflict,
    DecisionError,
    NeedsConfirmation,
    brief_request,
    comment_mark,
    draft_approve,
    draft_reject,
)
from replyqueue.inbox.models import Draft
from replyqueue.inbox.serializers import (
    ApproveIn,
    BriefWithDraftsOut,
    CommentWithDraftsOut,
    DraftListQuery,
    DraftOut,
    MarkIn,
    RejectIn,
)
from replyqueue.publishing.serializers import PublicationOut


def decision_error(error: DecisionError) -> Response:
    if isinstance(error, NeedsConfirmation):
        message = f"{error} Read the thread, then send confirm: true to approve anyway."
        return api_error(message, error.status_code, {"draft": DraftOut(error.draft).data, "needs_confirm": True})
    details = {"draft": DraftOut(error.draft).data} if isinstance(error, Conflict) else None
    return api_error(str(error), error.status_code, details)


def _input(serializer_class, request):
    serializer = serializer_class(data=request.data if isinstance(request.data, dict) else None)
    if not serializer.is_valid():
        return None, api_error("Invalid input.", 400, serializer.errors)
    return serializer.validated_data, None


class DraftList(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["pending", "approved", "rejected", "superseded"])],
        responses=DraftOut(many=True),
        summary="Drafts, newest first, cursor-paginated",
    )
    def get(self, request):
        query = DraftListQuery(data=request.query_params)
        if not query.is_valid():
            return api_error("Invalid query.", 400, query.errors)
        drafts = Draft.objects.filter(creator=request.auth.creator).select_related("comment__fan")
        if status := query.validated_data.get("status"):
            drafts = drafts.filter(status=status)
        return paginate(request, self, drafts, DraftOut)


class DraftApprove(APIView):
    @extend_schema(request=ApproveIn, responses={200: DraftOut}, summary="Approve a draft, optionally edited")
    def post(self, request, pk: int):
        data, error = _input(ApproveIn, request)
        if error:
            return error
        draft = get_for_creator(request, Draft.objects.select_related("comment__fan", "creator"), pk)
        try:
            publication = draft_approve(
                draft=draft,
                actor=Actor.for_token(request.auth),
                text=data.get("text"),
                version=data.get("version"),
                send_at=data.get("send_at"),
                confirm=data.get("confirm", False),
            )
        except DecisionError as exc:
            return decision_error(exc)
        publication_data = PublicationOut(publication).data if publication else None
        return Response({"draft": DraftOut(draft).data, "publication": publication_data})


class DraftReject(APIView):
    @extend_schema(request=RejectIn, responses={200: DraftOut}, summary="Reject a draft with a reason")
    def post(self, request, pk: int):
        data, error = _input(RejectIn, request)
        if error:
            return error
        draft = get_for_creator(request, Draft.objects.select_related("comment__fan", "creator"), pk)
        try:
            draft = draft_reject(
                draft=draft, actor=Actor.for_token(request.auth), reason=data["reason"], version=data.get("version")
            )
        except DecisionError as exc:
            return decision_error(exc)
        return Response({"draft": DraftOut(draft).data})


class CommentDetail(APIView):
    @extend_schema(responses=CommentWithDraftsOut, summary="A comment, its triage and its drafts")
    def get(self, request, pk: int):
        comment = get_for_creator(request, Comment.objects.select_related("fan", "post"), pk)
        return Response(CommentWithDraftsOut(comment).data)


class CommentMark(APIView):
    @extend_schema(request=MarkIn, responses={200: CommentWithDraftsOut}, summary="Mark what a comment is (spam, abuse, or not)")
    def post(self, request, pk: int):
        data, error = _input(MarkIn, request)
        if error:
            return error
        comment = get_for_creator(request, Comment.objects.select_related("fan", "post"), pk)
        try:
            comment_mark(comment=comment, actor=Actor.for_token(request.auth), category=data["category"])
        except DecisionError as exc:
            return decision_error(exc)
        comment.refresh_from_db()
        return Response(CommentWithDraftsOut(comment).data)


class BriefCreate(APIView):
    @extend_schema(request=BriefIn, responses={201: BriefWithDraftsOut}, summary="Ask for content variants in the creator's style")
    def post(self, request):
        values, error = _input(BriefIn, request)
        if error:
            return error
        brief = brief_request(
            creator=request.auth.creator, actor=Actor.for_token(request.auth), kind=values["kind"],
            text=values["brief"], post_text=values["post_text"], variants=values["variants"],
        )
        return Response(BriefWithDraftsOut(brief).data, status=status.HTTP_201_CREATED)


class BriefDetail(APIView):
    @extend_schema(responses=BriefWithDraftsOut, summary="A brief and its variant drafts")
    def get(self, request, pk: int):
        return Response(BriefWithDraftsOut(get_for_creator(request, ContentBrief, pk)).data)
