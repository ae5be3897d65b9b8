"""The clone understands meaning across languages and learns answers, never greetings or names."""

from replyqueue.clone.facts import check
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.language import detect_language
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.retrieval import search
from replyqueue.clone.voice import first_name
from replyqueue.inbox.actions import Actor, draft_approve
from replyqueue.inbox.models import Draft
from tests.factories import drafted, ingest


def test_a_paraphrase_with_no_shared_word_finds_the_answer(creator):
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "When is the next video coming out?", "Every Sunday at 6pm."),
        KnowledgeInput("faq", "What camera do you use?", "The Sony A7 IV."),
    ])
    [best, *_] = search(creator_id=creator.id, text="tu sors quand la prochaine vidéo ?")
    assert best.item.body == "Every Sunday at 6pm."


def test_a_french_fan_is_not_answered_in_english(creator):
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", "I shoot on the Sony A7 IV.")])
    comment = ingest(creator, "fr1", "Tu utilises quel appareil photo ?")
    from replyqueue.inbox.drafting import comment_process

    comment_process(comment_id=comment.id)
    comment.refresh_from_db()
    assert comment.status == "needs_human"
    assert "English" in comment.reason and "French" in comment.reason


def test_language_comes_from_a_detector_not_word_lists():
    assert detect_language("tu viens à Lyon ?") == "fr"
    assert detect_language("are you coming to Lyon?") == "en"
    assert detect_language("🔥🔥") == ""


def test_an_edited_approval_teaches_the_answer_not_the_greeting_or_the_name(creator, owner, camera_faq):
    draft = drafted(creator, "c1", author={"external_id": "f-yanis", "name": "Yanis"})
    edited = f"Hey Yanis! I use the Sony A7 IV with a 35mm prime. {creator.persona.signoff}".strip()
    draft_approve(draft=draft, actor=Actor(role="owner", user=owner), text=edited)
    learned = KnowledgeItem.objects.get(origin=f"approved_draft:{draft.id}")
    assert "Yanis" not in learned.body and not learned.body.startswith("Hey")
    assert learned.body.startswith("I use the Sony A7 IV with a 35mm prime.")


def test_a_draft_that_greets_another_fan_is_flagged(creator, camera_faq):
    drafted(creator, "c1", author={"external_id": "f-chloe", "name": "Chloé"})
    other = drafted(creator, "c2", text="Which camera is that?", author={"external_id": "f-mia", "name": "Mia"})
    from replyqueue.clone.services import facts_flags

    flags = facts_flags("Hey Chloé! The Sony A7 IV.", other.sources, creator.persona, "Mia")
    assert [f["text"] for f in flags if f["kind"] == "person"] == ["Chloé"]


def test_another_fan_is_recognised_by_the_first_word_of_their_name_in_any_case(creator, camera_faq):
    drafted(creator, "c1", author={"external_id": "f-yanis", "name": "yanis Martin"})
    from replyqueue.clone.services import other_fans_named

    assert other_fans_named("Hey Yanis! The Sony A7 IV, Martin.", creator.id, "Mia") == {"Yanis"}


def test_a_burst_of_drafts_looks_each_word_up_once(creator, camera_faq, django_assert_num_queries):
    drafted(creator, "c1", author={"external_id": "f-chloe", "name": "Chloé"})
    from replyqueue.clone.services import FanNames

    names = FanNames(creator.id)
    with django_assert_num_queries(1):
        assert names.among({"Chloé", "Sony", "Hey"}) == {"Chloé"}
        assert names.among({"Chloé", "Sony"}) == {"Chloé"}


def test_a_fan_name_that_is_a_link_is_never_a_greeting():
    assert first_name("http://evil.example/free-gift") == ""
    assert first_name("@promo_account") == ""
    assert first_name("Sam Jones") == "Sam"


def test_the_facts_guard_flags_names_it_is_told_are_other_people():
    found = check("Coucou Yanis ! Le Sony A7 IV.", ["Le Sony A7 IV. Coucou Yanis"], unsupported_names={"Yanis"})
    assert [v.kind for v in found] == ["person"]


def test_pending_drafts_keep_their_language_whole(creator):
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "Tu utilises quel appareil photo ?", "Je filme tout avec le Sony A7 IV."),
        KnowledgeInput("faq", "What camera do you use?", "I shoot on the Sony A7 IV."),
    ])
    draft = drafted(creator, "fr2", text="c'est quoi ton appareil photo ?")
    assert "Sony A7 IV" in draft.text and "I shoot" not in draft.text
    assert Draft.objects.filter(id=draft.id, sources=[KnowledgeItem.objects.get(language="fr").id]).exists()


def test_the_drafter_sees_the_fans_earlier_exchange_that_matters_first(creator):
    from replyqueue.inbox.drafting import fan_history

    fan = {"external_id": "f-lens", "name": "Ana"}
    asked = ["Which lens should I buy?", "Where do you live?", "Do you like pizza?", "What music is in the video?"]
    for n, text in enumerate(asked):  # four exchanges this fan had, each answered and approved
        earlier = ingest(creator, f"h{n}", text=text, author=fan)
        Draft.objects.create(creator=creator, comment=earlier, text=f"answer {n}", drafted_text=f"answer {n}", status="approved")
    now = ingest(creator, "h9", "The lens you told me about arrived, is it good for portraits too?", author=fan)
    history = fan_history(now)
    assert len(history) == 3
    assert history[0] == ("Which lens should I buy?", "answer 0")
