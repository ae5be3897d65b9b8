"""Settings pages owned by accounts: team, API tokens, webhook, profile (under /settings/)."""

urlpatterns: list = []
