from django.urls import path

from replyqueue.inbox import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("live/", views.counts, name="inbox-live"),
    path("questions/", views.questions, name="inbox-questions"),
    path("insights/", views.insights_page, name="inbox-insights"),
    path("questions/answer/", views.answer_group, name="inbox-answer-group"),
    path("bulk-approve/", views.bulk_approve, name="inbox-bulk-approve"),
    path("briefs/", views.new_brief, name="inbox-new-brief"),
    path("briefs/recent/", views.briefs, name="inbox-briefs"),
    path("views/", views.save_view, name="inbox-save-view"),
    path("views/<int:view_id>/delete/", views.delete_view, name="inbox-delete-view"),
    path("drafts/<int:draft_id>/approve/", views.approve, name="inbox-approve"),
    path("drafts/<int:draft_id>/reject/", views.reject, name="inbox-reject"),
    path("drafts/<int:draft_id>/mark/", views.draft_mark, name="inbox-draft-mark"),
    path("drafts/<int:draft_id>/undo/", views.undo, name="inbox-undo"),
    path("drafts/<int:draft_id>/regenerate/", views.regenerate, name="inbox-regenerate"),
    path("drafts/<int:draft_id>/viewing/", views.viewing, name="inbox-viewing"),
    path("drafts/<int:draft_id>/history/", views.draft_history, name="inbox-history"),
    path("comments/<int:comment_id>/card/", views.comment_card, name="inbox-comment-card"),
    path("comments/<int:comment_id>/draft/", views.draft_anyway, name="inbox-draft-anyway"),
    path("comments/<int:comment_id>/mark/", views.mark, name="inbox-mark"),
    path("comments/mark-similar/", views.mark_similar, name="inbox-mark-similar"),
    path("comments/<int:comment_id>/answer/", views.answer, name="inbox-answer"),
    path("comments/<int:comment_id>/assign/", views.assign, name="inbox-assign"),
    path("fans/<int:fan_id>/", views.fan, name="inbox-fan"),
    path("publications/<int:publication_id>/retry/", views.retry_publication, name="inbox-retry-publication"),
]
