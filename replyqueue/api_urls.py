from django.urls import path

from replyqueue.clone.api import (
    KnowledgeDetail,
    KnowledgeListCreate,
    RuleDetail,
    RuleListCreate,
    RulePreview,
)
from replyqueue.comments.api import CommentListCreate
from replyqueue.inbox.api import (
    BriefCreate,
    BriefDetail,
    CommentDetail,
    CommentMark,
    DraftApprove,
    DraftList,
    DraftReject,
)
from replyqueue.integrations.webhook.api import WebhookSecretRotate
from replyqueue.privacy.api import CreatorExport, FanErase
from replyqueue.publishing.api import PublicationAck, PublicationList

urlpatterns = [
    path("knowledge/", KnowledgeListCreate.as_view(), name="api-knowledge"),
    path("knowledge/<int:pk>/", KnowledgeDetail.as_view(), name="api-knowledge-detail"),
    path("rules/", RuleListCreate.as_view(), name="api-rules"),
    path("rules/preview/", RulePreview.as_view(), name="api-rule-preview"),
    path("rules/<int:pk>/", RuleDetail.as_view(), name="api-rule-detail"),
    path("briefs/", BriefCreate.as_view(), name="api-briefs"),
    path("briefs/<int:pk>/", BriefDetail.as_view(), name="api-brief-detail"),
    path("comments/", CommentListCreate.as_view(), name="api-comments"),
    path("comments/<int:pk>/", CommentDetail.as_view(), name="api-comment-detail"),
    path("comments/<int:pk>/mark/", CommentMark.as_view(), name="api-comment-mark"),
    path("drafts/", DraftList.as_view(), name="api-drafts"),
    path("drafts/<int:pk>/approve/", DraftApprove.as_view(), name="api-draft-approve"),
    path("drafts/<int:pk>/reject/", DraftReject.as_view(), name="api-draft-reject"),
    path("publications/", PublicationList.as_view(), name="api-publications"),
    path("publications/<int:pk>/ack/", PublicationAck.as_view(), name="api-publication-ack"),
    path("webhook/rotate-secret/", WebhookSecretRotate.as_view(), name="api-webhook-rotate-secret"),
    path("fans/erase/", FanErase.as_view(), name="api-fan-erase"),
    path("export/", CreatorExport.as_view(), name="api-export"),
]
