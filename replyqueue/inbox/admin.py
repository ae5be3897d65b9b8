from django.contrib import admin

from replyqueue.inbox.models import Decision, Draft


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["id", "creator", "comment", "status", "confidence", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["comment"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["id", "creator", "draft", "action", "user", "created_at"]
    raw_id_fields = ["draft"]
