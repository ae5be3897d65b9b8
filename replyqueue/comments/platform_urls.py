"""Platform webhook receivers (Meta) live under /hooks/."""

urlpatterns: list = []
