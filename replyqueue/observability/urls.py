from django.urls import path

from replyqueue.observability import views

urlpatterns = [path("metrics", views.metrics, name="metrics")]
