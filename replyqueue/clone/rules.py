"""The creator's community rules: matching a comment and turning the first decisive rule into
a triage outcome."""

import logging
import re
from datetime import timedelta
from functools import lru_cache

import re2
from django.utils import timezone
from django.utils.translation import gettext

from replyqueue.clone.models import CommunityRule, RuleAction, RuleKind
from replyqueue.clone.text import fold
from replyqueue.clone.triage import URL
from replyqueue.comments.models import Comment

MAX_PATTERN_LENGTH = 300
# A creator's pattern runs on every comment in a worker: Python's backtracking engine can take
# exponential time on patterns like ^(\w+\s?)+$, so creator-supplied patterns run on RE2, whose
# time is linear in the text. RE2 has no lookarounds or backreferences; such patterns are refused
# when saved. \w, \d and \b are ASCII in RE2 (\pL matches any letter).
PATTERN_MAX_MEMORY = 8 << 20

logger = logging.getLogger(__name__)


class PatternError(ValueError):
    pass


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> "re2._Regexp":
    """A creator's pattern compiled for RE2, case-insensitive; PatternError if RE2 cannot run it."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = PATTERN_MAX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        message = error.args[0] if error.args else error
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise PatternError(str(message)) from None


def _pattern_search(pattern: str, text: str) -> bool:
    try:
        return compile_pattern(pattern).search(text) is not None
    except PatternError as error:
        # Saved before patterns were checked with RE2: it matches nothing rather than fail triage.
        logger.warning("community rule pattern %r cannot run: %s", pattern, error)
        return False


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
                compile_pattern(line)
            except PatternError as error:
                return gettext("Invalid pattern %(pattern)s: %(error)s.") % {"pattern": repr(line), "error": error}
    return None


def rule_matches(rule: CommunityRule, text: str, fan_external_id: str, fan_name: str) -> bool:
    folded = fold(text)
    if rule.kind in (RuleKind.PHRASE, RuleKind.TOPIC):
        return any(_contains_phrase(folded, phrase) for phrase in _lines(rule.value))
    if rule.kind == RuleKind.LINK:
        return URL.search(text) is not None
    if rule.kind == RuleKind.PATTERN:
        return any(_pattern_search(p, text) for p in _lines(rule.value))
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
