"""Writing a creator's community rules: used by the settings pages and the API alike."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from accounts.models import Creator
from replyqueue.clone.models import CommunityRule, RuleAction, RuleKind
from replyqueue.clone.rules import validate_rule

MAX_RULES_PER_CREATOR = 200
EDITABLE_FIELDS = ("name", "kind", "value", "action", "label", "enabled", "position")


class RuleError(ValueError):
    """A rule that cannot be saved; `field` names the input at fault (or is empty)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def rules_in_order(creator_id: int) -> list[CommunityRule]:
    return list(CommunityRule.objects.filter(creator_id=creator_id).order_by("position", "id"))


def _normalised_value(value: str) -> str:
    return "\n".join(line.strip() for line in value.splitlines() if line.strip())


def _check(rule: CommunityRule) -> None:
    if rule.kind not in RuleKind.values:
        raise RuleError(gettext("Unknown kind '%(kind)s'.") % {"kind": rule.kind}, "kind")
    if rule.action not in RuleAction.values:
        raise RuleError(gettext("Unknown action '%(action)s'.") % {"action": rule.action}, "action")
    if error := validate_rule(rule.kind, rule.value):
        raise RuleError(error, "value")
    if rule.action == RuleAction.LABEL and not rule.label.strip():
        raise RuleError(gettext("A 'label only' rule needs a label."), "label")


@transaction.atomic
def rule_create(*, creator: Creator, data: dict) -> CommunityRule:
    """A new rule from validated fields; without a position it goes last."""
    # Locking the creator row serialises concurrent creations, so the count and "last" hold.
    Creator.objects.select_for_update().filter(pk=creator.pk).first()
    if CommunityRule.objects.filter(creator=creator).count() >= MAX_RULES_PER_CREATOR:
        raise RuleError(gettext("A creator can have at most %(limit)s rules.") % {"limit": MAX_RULES_PER_CREATOR})
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if fields.get("position") is None:
        last = CommunityRule.objects.filter(creator=creator).aggregate(last=Max("position"))["last"]
        fields["position"] = 0 if last is None else last + 1
    rule = CommunityRule(creator=creator, **fields)
    rule.value = _normalised_value(rule.value)
    _check(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_update(*, rule: CommunityRule, data: dict) -> CommunityRule:
    """Change some fields; the rule is checked as a whole after the change."""
    rule = CommunityRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in data.items():
        if name in EDITABLE_FIELDS and value is not None:
            setattr(rule, name, value)
    rule.value = _normalised_value(rule.value)
    _check(rule)
    rule.save()
    return rule


def rule_delete(*, rule: CommunityRule) -> None:
    CommunityRule.objects.filter(pk=rule.pk, creator_id=rule.creator_id).delete()


@transaction.atomic
def rule_move(*, rule: CommunityRule, step: int) -> bool:
    """Swap the rule with its neighbour (step -1: up, +1: down). Positions are renumbered
    0..n-1 first, so equal or sparse positions move predictably. False at either end."""
    rules = list(
        CommunityRule.objects.select_for_update().filter(creator_id=rule.creator_id).order_by("position", "id")
    )
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    target = index + step
    if not 0 <= target < len(rules):
        return False
    rules[index], rules[target] = rules[target], rules[index]
    for position, each in enumerate(rules):
        each.position = position
    CommunityRule.objects.bulk_update(rules, ["position"])
    return True
