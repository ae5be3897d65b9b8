from django.urls import path

from replyqueue.inbox import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("drafts/<int:draft_id>/approve/", views.approve, name="inbox-approve"),
    path("drafts/<int:draft_id>/reject/", views.reject, name="inbox-reject"),
    path("drafts/<int:draft_id>/undo/", views.undo, name="inbox-undo"),
    path("publications/<int:publication_id>/retry/", views.retry_publication, name="inbox-retry-publication"),
]
