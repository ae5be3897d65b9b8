"""What the ingest app tells the apps above it.

`comments_received` is sent inside the ingest transaction with the ids of the new comments;
the inbox listens and enqueues their drafting after the commit. Ingest so never imports the
apps that draft, and the sweeper still finds any comment whose wake-up was lost.
"""

from django.dispatch import Signal

comments_received = Signal()  # kwargs: creator, comment_ids
