from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.retrieval import search


def add(creator, *faqs):
    return knowledge_add(creator=creator, items=[KnowledgeInput("faq", q, a) for q, a in faqs])


def test_it_finds_the_answer_despite_typos_and_slang(creator):
    camera, _ = add(creator, ("What camera do you use?", "The Sony A7 IV."), ("What lens do you use?", "A Sigma 24-70."))
    [best, *_] = search(creator_id=creator.id, text="wat camra do u use??")
    assert best.item == camera


def test_it_matches_french_without_accents(creator):
    [faq] = add(creator, ("Quelle caméra utilises-tu ?", "Le Sony A7 IV."))
    assert search(creator_id=creator.id, text="quelle camera tu utilises")[0].item == faq


def test_new_knowledge_is_found_immediately(creator):
    add(creator, ("What camera do you use?", "The Sony A7 IV."))
    assert not any("drone" in hit.item.prompt for hit in search(creator_id=creator.id, text="which drone do you fly"))
    [drone] = add(creator, ("Which drone do you fly?", "The DJI Mini 4 Pro."))
    assert search(creator_id=creator.id, text="which drone do you fly")[0].item == drone


def test_it_never_returns_another_creators_knowledge(creator, other_creator):
    add(other_creator, ("What camera do you use?", "A Canon."))
    assert search(creator_id=creator.id, text="What camera do you use?") == []


def test_re_adding_the_same_item_changes_nothing(creator):
    first = add(creator, ("What camera do you use?", "The Sony A7 IV."))
    second = add(creator, ("What camera do you use?", "The Sony A7 IV."))
    assert [i.id for i in first] == [i.id for i in second]
    assert creator.knowledge.count() == 1
