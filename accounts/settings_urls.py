"""Settings pages owned by accounts: team, API tokens, webhook, profile (under /settings/)."""

from django.urls import path

from accounts import settings_views as views

urlpatterns = [
    path("", views.index, name="settings"),
    path("team/", views.team, name="settings-team"),
    path("team/invite/", views.team_invite, name="settings-team-invite"),
    path("team/members/<int:membership_id>/role/", views.member_role, name="settings-member-role"),
    path("team/members/<int:membership_id>/remove/", views.member_remove, name="settings-member-remove"),
    path("team/invitations/<int:invitation_id>/cancel/", views.invitation_cancel, name="settings-invitation-cancel"),
    path("tokens/", views.tokens, name="settings-tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="settings-token-revoke"),
    path("webhook/", views.webhook, name="settings-webhook"),
]
