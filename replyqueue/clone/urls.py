"""Settings pages owned by the clone: voice, knowledge, community rules (under /settings/)."""

from django.urls import path

from replyqueue.clone import views

urlpatterns = [
    path("voice/", views.voice, name="settings-voice"),
    path("voice/derive/", views.voice_derive, name="settings-voice-derive"),
    path("knowledge/", views.knowledge, name="settings-knowledge"),
    path("knowledge/add/", views.knowledge_create, name="settings-knowledge-add"),
    path("knowledge/upload/", views.knowledge_upload, name="settings-knowledge-upload"),
    path("knowledge/<int:item_id>/delete/", views.knowledge_remove, name="settings-knowledge-delete"),
    path("rules/", views.rules, name="settings-rules"),
    path("rules/new/", views.rule_new, name="settings-rule-new"),
    path("rules/preview/", views.rule_test, name="settings-rule-preview"),
    path("rules/<int:rule_id>/", views.rule_edit, name="settings-rule-edit"),
    path("rules/<int:rule_id>/move/", views.rule_reorder, name="settings-rule-move"),
    path("rules/<int:rule_id>/delete/", views.rule_remove, name="settings-rule-delete"),
]
