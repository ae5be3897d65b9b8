"""Triage of one comment: built-in rules, then what the creator taught, then their community rules."""

import re
from dataclasses import replace

from django.utils import translation

from replyqueue.clone.learning import CONFIDENT, LearnedTriage, possibly_sensitive
from replyqueue.clone.models import CommunityRule, RuleAction
from replyqueue.clone.rules import rule_matches
from replyqueue.clone.text import fold
from replyqueue.clone.triage import Triage, classify
from replyqueue.comments.models import Category

POSSIBLY_SENSITIVE = "possibly sensitive"
LEARNED_CATCH = 0.99  # how sure the creator's model must be to send a comment to no_reply on its own
OUTCOME_BY_CATEGORY = {
    Category.SPAM: "no_reply",
    Category.ABUSE: "no_reply",
    Category.SENSITIVE: "needs_human",
}
PRIORITY_BY_CATEGORY = {
    Category.SENSITIVE: 90, Category.COMPLAINT: 70, Category.QUESTION: 60, Category.REQUEST: 40,
    Category.OTHER: 30, Category.PRAISE: 20, Category.ABUSE: 5, Category.SPAM: 0,
}


def apply_learning(result: Triage, text: str, learned: LearnedTriage | None) -> Triage:
    """The creator's verdicts override the built-in category when the model is sure, except that a
    sensitive comment always stays with a human."""
    if learned is None or result.category == Category.SENSITIVE or POSSIBLY_SENSITIVE in result.labels:
        return result
    verdict = learned.predict(text)
    if verdict is None or verdict.category == result.category or verdict.probability < CONFIDENT:
        return result
    if verdict.category in ("spam", "abuse") and verdict.probability < LEARNED_CATCH and not verdict.reason.startswith("like a comment"):
        return result
    if verdict.category not in OUTCOME_BY_CATEGORY and not verdict.reason.startswith("like a comment"):
        # Only a near-copy of a comment someone cleared can clear a built-in spam/abuse call;
        # the statistical model may only add catches.
        return result
    category = verdict.category
    return replace(
        result,
        category=category,
        priority=PRIORITY_BY_CATEGORY.get(category, 30),
        reasons=[f"{category}: {verdict.reason}", *result.reasons],
        outcome=OUTCOME_BY_CATEGORY.get(category, "draft"),
        owner_only=category == Category.SENSITIVE,
    )


def apply_rules(result: Triage, text: str, fan_external_id: str, fan_name: str, rules: list[CommunityRule]) -> Triage:
    labels: list[str] = []
    for rule in rules:
        if not rule_matches(rule, text, fan_external_id, fan_name):
            continue
        if rule.action == RuleAction.LABEL:
            labels.append(rule.label or rule.name)
            result.reasons.append(f"rule '{rule.name}': labelled {rule.label or rule.name}")
            continue
        if result.category == Category.SENSITIVE and rule.action != RuleAction.ESCALATE:
            result.reasons.append(f"rule '{rule.name}' matched, but sensitive comments stay with the creator")
            continue
        outcome = {RuleAction.NO_REPLY: "no_reply", RuleAction.ESCALATE: "needs_human", RuleAction.DRAFT: "draft"}
        with translation.override("en"):  # a stored reason, like the built-in ones: English whoever triggered it
            action = rule.get_action_display().lower()
        result = replace(
            result,
            outcome=outcome[rule.action],
            owner_only=result.owner_only or rule.action == RuleAction.ESCALATE,
            reasons=[f"rule '{rule.name}': {action}", *result.reasons],
            rule=rule,
        )
        break
    result.labels = [*result.labels, *labels]
    return result


def apply_avoided_topics(result: Triage, text: str, topics: list[str]) -> Triage:
    """Topics the persona never engages on: the comment goes to the creator, never drafted."""
    folded = fold(text)
    for topic in topics:
        if topic.strip() and re.search(rf"(?<!\w){re.escape(fold(topic.strip()))}", folded):
            return replace(
                result,
                outcome="needs_human" if result.outcome == "draft" else result.outcome,
                owner_only=True,
                reasons=[f"a topic you never engage on: {topic.strip()}", *result.reasons],
            )
    return result




def apply_second_opinion(result: Triage, text: str) -> Triage:
    """Where the rules saw nothing sensitive but the seed model does, the comment is still drafted
    but labelled: never routine, so an assistant cannot approve it and the owner reads it."""
    if result.category == Category.SENSITIVE or result.outcome != "draft":
        return result
    probability = possibly_sensitive(text)
    if probability is None:
        return result
    return replace(
        result,
        priority=max(result.priority, 80),
        labels=[*result.labels, POSSIBLY_SENSITIVE],
        reasons=[*result.reasons, f"{POSSIBLY_SENSITIVE}: the trained model says {probability:.0%}"],
    )


def triage_comment(
    text: str,
    *,
    fan_external_id: str = "",
    fan_name: str = "",
    rules: list[CommunityRule] | None = None,
    learned: LearnedTriage | None = None,
    avoid_topics: list[str] | None = None,
) -> Triage:
    result = apply_second_opinion(classify(text), text)
    result = apply_learning(result, text, learned)
    result = apply_avoided_topics(result, text, avoid_topics or [])
    return apply_rules(result, text, fan_external_id, fan_name, rules or [])
