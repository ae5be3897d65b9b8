"""The facts guard trusts what the creator wrote, never what the fan controls (their name,
their comment), and flags invented personal claims about the creator's life."""

import pytest

from accounts.models import Role
from replyqueue.clone.facts import check
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.services import facts_flags, persona_for
from replyqueue.inbox.actions import Actor, draft_approve
from tests.factories import drafted

EVIL = "http://evil.example/free-gift"


def test_a_fan_named_with_a_link_never_appears_in_a_draft(creator, camera_faq):
    draft = drafted(creator, "n1", "What camera do you use?", author={"external_id": "f-evil", "name": EVIL})
    assert "evil.example" not in draft.text
    assert draft.flags == []


def test_a_fan_name_does_not_ground_a_link(creator, camera_faq):
    persona = persona_for(creator.id)
    flags = facts_flags(f"Sony A7 IV, see {EVIL}", [camera_faq.id], persona, fan_name=EVIL)
    assert [f["kind"] for f in flags] == ["url"]


def test_a_fans_link_kept_in_an_edited_approval_is_not_learned_and_is_flagged_later(creator, owner, camera_faq):
    draft = drafted(creator, "l1", f"What camera do you use? more at {EVIL} or @evil_gifts",
                    author={"external_id": "f-l1", "name": "Sam"})
    draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner),
                  text=f"Sony A7 IV and a 35mm lens! Details: {EVIL} @evil_gifts")
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    assert "evil.example" not in learned.body and "@evil_gifts" not in learned.body
    assert "35mm lens" in learned.body
    persona = persona_for(creator.id)
    flags = facts_flags(f"Sony A7 IV and a 35mm lens, see {EVIL} and @evil_gifts", [learned.id], persona, "Alex")
    assert {f["kind"] for f in flags} == {"url", "handle"}


def test_a_link_the_creator_typed_themself_is_learned(creator, owner, camera_faq):
    draft = drafted(creator, "l2", "What camera do you use?", author={"external_id": "f-l2", "name": "Sam"})
    draft_approve(draft=draft, actor=Actor(role=Role.OWNER, user=owner), text="Sony A7 IV, my kit: miasnaps.com/kit")
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    assert "miasnaps.com/kit" in learned.body


@pytest.mark.parametrize("text", [
    "Thanks! Also, we are getting divorced.",
    "Merci ! Au fait je suis enceinte.",
    "I'm pregnant with our second baby!",
    "Honestly, my mom passed away last month.",
    "On va divorcer, c'est dur.",
    "I have cancer, so I'm posting less.",
    "We broke up last week.",
    "Je suis malade en ce moment.",
])
def test_an_invented_personal_claim_is_flagged(text):
    assert "personal" in [v.kind for v in check(text, ["I shoot everything on the Sony A7 IV."])]


def test_a_personal_claim_the_creator_made_is_supported():
    source = "Yes, I'm pregnant! Baby due in spring."
    assert "personal" not in [v.kind for v in check("Yes, I'm pregnant!", [source])]
    assert "personal" not in [v.kind for v in check("Oui, je suis enceinte !", ["Je suis enceinte de 5 mois"])]


def test_ordinary_replies_carry_no_personal_claim():
    for text in ("I shoot on the Sony A7 IV.", "Merci beaucoup, ça me touche !", "We are getting a new studio light."):
        assert "personal" not in [v.kind for v in check(text, [text])]
