"""Settings pages owned by the inbox (under /settings/)."""

from django.urls import path

from replyqueue.inbox import settings_views as views

urlpatterns = [
    path("snippets/", views.snippets, name="settings-snippets"),
    path("snippets/<int:snippet_id>/delete/", views.snippet_delete, name="settings-snippet-delete"),
]
