"""The creator's community rules: matching a comment and turning the first decisive rule into
a triage outcome."""

import re
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone.models import CommunityRule, RuleAction, RuleKind
from replyqueue.clone.text import fold
from replyqueue.clone.triage import URL
from replyqueue.comments.models import Comment

MAX_PATTERN_LENGTH = 300


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _contains_phrase(folded_text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded_text) is not None


def validate_rule(kind: str, value: str) -> str | None:
    """An error message for a rule that cannot work, or None."""
    if kind != RuleKind.LINK and not _lines(value):
        return gettext("Give at least one word, phrase, pattern or fan (one per line).")
    if kind == RuleKind.PATTERN:
        for line in _lines(value):
            if len(line) > MAX_PATTERN_LENGTH:
                return gettext("Patterns are limited to %(limit)s characters.") % {"limit": MAX_PATTERN_LENGTH}
            try:
                re.compile(line)
            except re.error as error:
                return gettext("Invalid pattern %(pattern)s: %(error)s.") % {"pattern": repr(line), "error": error}
    return None


def rule_matches(rule: CommunityRule, text: str, fan_external_id: str, fan_name: str) -> bool:
    folded = fold(text)
    if rule.kind in (RuleKind.PHRASE, RuleKind.TOPIC):
        return any(_contains_phrase(folded, phrase) for phrase in _lines(rule.value))
    if rule.kind == RuleKind.LINK:
        return URL.search(text) is not None
    if rule.kind == RuleKind.PATTERN:
        return any(re.search(p, text, re.IGNORECASE) for p in _lines(rule.value))
    if rule.kind in (RuleKind.VIP_FAN, RuleKind.MUTED_FAN):
        fans = {fold(line).lstrip("@") for line in _lines(rule.value)}
        return fold(fan_external_id) in fans or (fan_name and fold(fan_name).lstrip("@") in fans)
    return False


def rules_for(creator_id: int) -> list[CommunityRule]:
    return list(CommunityRule.objects.filter(creator_id=creator_id, enabled=True).order_by("position", "id"))


def rule_preview(*, creator_id: int, kind: str, value: str, days: int = 7) -> dict:
    """How many of the last `days` days' comments a rule would have caught, with examples."""
    probe = CommunityRule(creator_id=creator_id, kind=kind, value=value, action=RuleAction.LABEL)
    since = timezone.now() - timedelta(days=days)
    recent = Comment.objects.filter(creator_id=creator_id, received_at__gte=since).select_related("fan")
    caught, examples, total = 0, [], 0
    for comment in recent.iterator(chunk_size=1000):
        total += 1
        if rule_matches(probe, comment.text, comment.fan.external_id, comment.fan.name):
            caught += 1
            if len(examples) < 5:
                examples.append(comment.text[:200])
    return {"caught": caught, "checked": total, "days": days, "examples": examples}
