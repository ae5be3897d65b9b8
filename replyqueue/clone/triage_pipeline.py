"""Triage of comments: the trained models, then what the creator taught, then the persona's
topics to avoid, then their community rules. Works on a batch so the embedding runs once per
batch; one comment is a batch of one."""

from dataclasses import replace

import numpy as np
from django.utils.translation import gettext_noop

from replyqueue.clone.learning import CreatorModel
from replyqueue.clone.models import CommunityRule, RuleAction
from replyqueue.clone.rules import rule_matches, topic_similarity, topics_from
from replyqueue.clone.triage import (
    POSSIBLY_SENSITIVE,  # noqa: F401  (re-exported: callers name it from here)
    Triage,
    classify_scored,
    flagged_with_an_age,
    score,
)
from replyqueue.comments.models import SAFETY_CATEGORIES
from replyqueue.core.explain import Reason

ESCALATED_PRIORITY = 85  # a comment the creator's own rule sends them: near the top, below safety cases
# The label of a comment the creator's verdicts sorted otherwise than the trained model alone would
# have (another category or outcome): what the insights page counts as their marks at work.
TAUGHT = "sorted by your marks"
RULE_ACTIONS = {  # a stored reason, like the built-in ones: English whoever triggered it, translated when shown
    RuleAction.NO_REPLY: gettext_noop("rule '%(rule)s': no reply"),
    RuleAction.ESCALATE: gettext_noop("rule '%(rule)s': escalate to the owner"),
    RuleAction.DRAFT: gettext_noop("rule '%(rule)s': draft normally"),
    RuleAction.LABEL: gettext_noop("rule '%(rule)s': label only"),
}


def apply_rules(result: Triage, text: str, fan_external_id: str, fan_name: str, rules: list[CommunityRule],
                embedding: np.ndarray | None = None) -> Triage:
    labels: list[str] = []
    for rule in rules:
        if not rule_matches(rule, text, fan_external_id, fan_name, embedding=embedding):
            continue
        if rule.action == RuleAction.LABEL:
            labels.append(rule.label or rule.name)
            result.reasons.append(Reason("rule '%(rule)s': labelled %(rule_label)s", rule=rule.name, rule_label=rule.label or rule.name))
            continue
        if (result.category in SAFETY_CATEGORIES or result.safety or result.safety_doubt) and rule.action != RuleAction.ESCALATE:
            result.reasons.append(Reason("rule '%(rule)s' matched, but %(category)s comments stay with the creator", rule=rule.name,
                                          category=result.safety_doubt.replace("_", " ") or result.category))
            continue
        outcome = {RuleAction.NO_REPLY: "no_reply", RuleAction.ESCALATE: "needs_human", RuleAction.DRAFT: "draft"}
        result = replace(
            result,
            outcome=outcome[rule.action],
            owner_only=result.owner_only or rule.action == RuleAction.ESCALATE,
            priority=max(result.priority, ESCALATED_PRIORITY) if rule.action == RuleAction.ESCALATE else result.priority,
            reasons=[Reason(RULE_ACTIONS[rule.action], rule=rule.name), *result.reasons],
            rule=rule,
        )
        break
    result.labels = [*result.labels, *labels]
    return result


def apply_avoided_topics(result: Triage, text: str, topics: list[str], embedding: np.ndarray | None = None) -> Triage:
    """Topics the persona never engages on (a few words or examples each, matched by word forms
    and by meaning): the comment goes to the creator, never drafted."""
    for topic in topics:
        descriptors = topics_from(topic)
        if not descriptors:
            continue
        matched, how = topic_similarity(text, descriptors, embedding)
        if matched:
            return replace(
                result,
                outcome="needs_human" if result.outcome == "draft" else result.outcome,
                owner_only=True,
                reasons=[Reason("a topic you never engage on: %(topic)s (%(how)s)", topic=topic.strip(), how=how), *result.reasons],
            )
    return result


def triage_comments(
    items: list[dict],
    *,
    rules: list[CommunityRule] | None = None,
    learned: CreatorModel | None = None,
    avoid_topics: list[str] | None = None,
) -> list[Triage]:
    """items: {"text", optional "fan_external_id", "fan_name"} of one creator."""
    texts = [item["text"] for item in items]
    scores = score(texts)
    learned_rows = learned.adjust_many(scores.categories, scores.embeddings) if learned is not None and len(learned) else None
    ages = flagged_with_an_age(texts, scores)
    results = []
    for i, item in enumerate(items):
        text, embedding = texts[i], scores.embeddings[i]
        probabilities, verdict, learned_reason = scores.category_probabilities(i), "", ""
        if learned_rows is not None:
            probabilities, verdict, learned_reason = learned_rows[i].probabilities, learned_rows[i].verdict, learned_rows[i].reason
        result = classify_scored(text, scores, i, probabilities=probabilities, creator_verdict=verdict, without_age=ages.get(i))
        if learned_reason and not result.safety:
            result.reasons.append(Reason("learned: %(why)s", why=learned_reason))
        if (verdict or learned_reason) and not result.safety and sorted_otherwise_alone(text, scores, i, result, ages.get(i)):
            result.labels = [*result.labels, TAUGHT]
        result = apply_avoided_topics(result, text, avoid_topics or [], embedding)
        results.append(apply_rules(result, text, item.get("fan_external_id", ""), item.get("fan_name", ""), rules or [], embedding))
    return results


def sorted_otherwise_alone(text: str, scores, i: int, result: Triage, without_age=None) -> bool:
    """Whether the trained model alone (no verdicts) gives this comment another category or outcome."""
    alone = classify_scored(text, scores, i, language=result.language, without_age=without_age)
    return (alone.category, alone.outcome) != (result.category, result.outcome)


def triage_comment(
    text: str,
    *,
    fan_external_id: str = "",
    fan_name: str = "",
    rules: list[CommunityRule] | None = None,
    learned: CreatorModel | None = None,
    avoid_topics: list[str] | None = None,
) -> Triage:
    item = {"text": text, "fan_external_id": fan_external_id, "fan_name": fan_name}
    return triage_comments([item], rules=rules, learned=learned, avoid_topics=avoid_topics)[0]
