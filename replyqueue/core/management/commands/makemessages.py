"""Django's makemessages, also collecting the templates of `Reason(...)` (replyqueue.core.explain):
reasons are stored in English and translated when a page shows them."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=Reason"]
