from django.urls import path

from accounts import views

urlpatterns = [
    path("language/", views.set_language, name="set-language"),
    path("switch/<slug:slug>/", views.switch_creator, name="switch-creator"),
    path("invite/<str:token>/", views.accept_invitation, name="accept-invitation"),
]
