from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts.models import Creator
from replyqueue.comments.models import Channel, Comment, Fan, Post
from replyqueue.comments.signals import comments_received


@dataclass(frozen=True)
class IngestResult:
    comment: Comment
    duplicate: bool


def comments_ingest(*, creator: Creator, items: list[dict], channel: Channel | None = None) -> list[IngestResult]:
    """Store validated comments; a known (platform, external_id) comes back as a duplicate.

    Everything is stored in one transaction, and processing is enqueued only after it commits.
    Batches for one creator are serialised on the creator's row (see `_ingest_once`), so
    overlapping batches sent at once each answer, duplicates flagged, nothing half-stored; the
    unique constraint stays the last guard, and a batch that still hits it is retried once,
    finding the winner's rows and answering them as duplicates.
    `channel` is the account the comments came through (platform webhooks, pollers); without it,
    a platform where the creator has exactly one enabled channel gets that one.
    """
    try:
        return _ingest_once(creator=creator, items=items, channel=channel)
    except IntegrityError:
        return _ingest_once(creator=creator, items=items, channel=channel)


@transaction.atomic
def _ingest_once(*, creator: Creator, items: list[dict], channel: Channel | None) -> list[IngestResult]:
    # Without this lock, two batches sharing an external_id both see it as new, and the later
    # insert fails on the unique constraint (or the two deadlock on each other's rows). With it,
    # the existing rows read below include every batch committed before. FOR NO KEY UPDATE does
    # not block the workers inserting rows that reference the creator; SQLite needs no lock, as
    # its immediate transactions already run one writer at a time.
    Creator.objects.select_for_update(no_key=True).filter(pk=creator.pk).first()
    channels = {channel.platform: channel} if channel else _obvious_channels(creator)
    existing = _existing_comments(creator, items)
    fans = _fans_upsert(creator, items)
    posts = _posts_upsert(creator, items)
    results: list[IngestResult] = []
    new: list[Comment] = []
    for item in items:
        key = (item["platform"], item["external_id"])
        if key in existing:
            results.append(IngestResult(existing[key], duplicate=True))
            continue
        post = item.get("post")
        comment = Comment(
            creator=creator,
            platform=item["platform"],
            external_id=item["external_id"],
            fan=fans[(item["platform"], item["author"]["external_id"])],
            post=posts.get((item["platform"], post["external_id"])) if post else None,
            channel=channels.get(item["platform"]),
            parent_external_id=item.get("parent_external_id") or "",
            text=item["text"],
            created_at=item.get("created_at"),
        )
        existing[key] = comment
        new.append(comment)
        results.append(IngestResult(comment, duplicate=False))
    Comment.objects.bulk_create(new)
    ids = [comment.id for comment in new]
    comments_received.send(sender=Comment, creator=creator, comment_ids=ids)
    return results


def _obvious_channels(creator: Creator) -> dict[str, Channel]:
    """Platforms on which the creator has exactly one enabled channel: comments there are its."""
    by_platform: dict[str, list[Channel]] = {}
    for candidate in Channel.objects.filter(creator=creator, enabled=True):
        by_platform.setdefault(candidate.platform, []).append(candidate)
    return {platform: found[0] for platform, found in by_platform.items() if len(found) == 1}


def _existing_comments(creator: Creator, items: list[dict]) -> dict[tuple[str, str], Comment]:
    external_ids = {item["external_id"] for item in items}
    rows = Comment.objects.filter(creator=creator, external_id__in=external_ids)
    return {(c.platform, c.external_id): c for c in rows}


# Bidi embeddings, overrides, isolates and marks: a right-to-left override in a fan's name
# reverses the text after it wherever the name is shown, drafts in the reviewer's textarea included.
BIDI_CONTROLS = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def fan_name_clean(name: str) -> str:
    return name.translate(BIDI_CONTROLS).strip()


def _fans_upsert(creator: Creator, items: list[dict]) -> dict[tuple[str, str], Fan]:
    wanted = {(i["platform"], i["author"]["external_id"]): fan_name_clean(i["author"].get("name", "")) for i in items}
    Fan.objects.bulk_create(
        [Fan(creator=creator, platform=p, external_id=e, name=n) for (p, e), n in wanted.items()],
        ignore_conflicts=True,
    )
    fans = Fan.objects.filter(creator=creator, external_id__in={e for _, e in wanted})
    by_key = {(f.platform, f.external_id): f for f in fans}
    renamed = []
    for key, name in wanted.items():
        fan = by_key[key]
        if name and fan.name != name:
            fan.name = name
            renamed.append(fan)
    Fan.objects.bulk_update(renamed, ["name"])
    return by_key


def _posts_upsert(creator: Creator, items: list[dict]) -> dict[tuple[str, str], Post]:
    wanted = {(i["platform"], i["post"]["external_id"]): i["post"] for i in items if i.get("post")}
    if not wanted:
        return {}
    Post.objects.bulk_create(
        [
            Post(creator=creator, platform=p, external_id=e, title=post.get("title", ""), url=post.get("url", ""))
            for (p, e), post in wanted.items()
        ],
        ignore_conflicts=True,
    )
    posts = Post.objects.filter(creator=creator, external_id__in={e for _, e in wanted})
    return {(p.platform, p.external_id): p for p in posts}
