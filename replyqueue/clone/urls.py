"""Settings pages owned by the clone: voice, knowledge, community rules (under /settings/)."""

urlpatterns: list = []
