"""A worker's index follows the creator's knowledge: new items join a small segment ranked
exactly, without a rebuild; a deletion, or too many new items, rebuilds it."""

from replyqueue.clone import retrieval
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add, knowledge_delete
from replyqueue.clone.retrieval import indexes, search

TRIPS = [
    KnowledgeInput("faq", f"Which {thing} did you pack for the {place} trip?", f"The {thing} I packed for {place}.")
    for thing in ("camera", "lens", "tripod", "drone") for place in ("Lisbon", "Kyoto", "Oslo")
]
LATER = [
    KnowledgeInput("faq", "Do you sell prints of your photos?", "Yes, prints are in my shop."),
    KnowledgeInput("faq", "Which microphone did you pack for the Oslo trip?", "The Rode mic for Oslo."),
]
QUESTIONS = ["can I buy a print of your photos?", "what mic did you take to Oslo", "which drone in Kyoto?", "lens for Lisbon"]


def _top(creator, question):
    return search(creator_id=creator.id, text=question, limit=1)[0].item.id


def test_new_knowledge_is_found_without_rebuilding_the_index(creator):
    knowledge_add(creator=creator, items=TRIPS)
    before = indexes.get(creator.id)
    prints = knowledge_add(creator=creator, items=LATER[:1])[0]
    after = indexes.get(creator.id)
    assert after.vectors is before.vectors and list(after.added.ids) == [prints.id]
    assert _top(creator, QUESTIONS[0]) == prints.id


def test_an_updated_index_ranks_as_a_rebuilt_one_does(creator):
    knowledge_add(creator=creator, items=TRIPS)
    indexes.get(creator.id)
    knowledge_add(creator=creator, items=LATER)
    assert indexes.get(creator.id).added is not None
    updated = [_top(creator, q) for q in QUESTIONS]
    indexes.clear()
    assert [_top(creator, q) for q in QUESTIONS] == updated


def test_a_deleted_item_rebuilds_the_index_without_it(creator):
    items = knowledge_add(creator=creator, items=TRIPS)
    indexes.get(creator.id)
    knowledge_delete(creator=creator, item_id=items[0].id)
    index = indexes.get(creator.id)
    assert index.added is None and items[0].id not in index.item_ids and len(index.ids) == len(TRIPS) - 1


def test_past_the_limit_new_items_rebuild_the_index(creator, monkeypatch):
    monkeypatch.setattr(retrieval, "ADDED_UP_TO", 1)
    knowledge_add(creator=creator, items=TRIPS)
    indexes.get(creator.id)
    knowledge_add(creator=creator, items=LATER)
    index = indexes.get(creator.id)
    assert index.added is None and len(index.ids) == len(TRIPS) + len(LATER)


def test_segments_added_one_after_another_hold_everything_new_since_the_build(creator):
    knowledge_add(creator=creator, items=TRIPS)
    built = indexes.get(creator.id)
    added = []
    for item in LATER:
        added.append(knowledge_add(creator=creator, items=[item])[0].id)
        index = indexes.get(creator.id)
    assert index.vectors is built.vectors and sorted(index.added.ids) == sorted(added)
