"""The privacy settings (under /settings/)."""

from django.urls import path

from replyqueue.privacy import views

urlpatterns = [
    path("privacy/", views.privacy, name="settings-privacy"),
    path("privacy/erase/", views.erase, name="settings-privacy-erase"),
    path("privacy/export/", views.export, name="settings-privacy-export"),
]
