from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "replyqueue.inbox"
    label = "inbox"

    def ready(self) -> None:
        from django.db import transaction

        from replyqueue.comments.signals import comments_received
        from replyqueue.inbox.tasks import enqueue_process_comment

        def draft_after_commit(sender, comment_ids: list[int], **kwargs) -> None:
            transaction.on_commit(lambda: enqueue_process_comment(comment_ids))

        comments_received.connect(draft_after_commit, weak=False, dispatch_uid="inbox.draft_after_commit")
