"""Items that give the same answer are one piece of knowledge asked in several ways: retrieval
scores them by the centroid of those ways (retrieval.by_answer)."""

import numpy as np

from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.retrieval import (
    LARGE_ANSWER_GROUP,
    LEXICAL_WEIGHT,
    _CreatorIndex,
    answer_key,
    answer_similarity,
    by_answer,
    indexes,
    quantised,
    search,
)


def index_of(vectors: list[list[float]], keys: list[int]) -> _CreatorIndex:
    rows = np.array(vectors, dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    quantised_rows, scales = quantised(rows)
    index = _CreatorIndex(1, "test", np.arange(1, len(rows) + 1), quantised_rows, scales, None, np.array(keys, dtype=np.int64))
    index.sort_answer_keys()
    return index


def candidate(index: _CreatorIndex, row: int, query: np.ndarray) -> tuple:
    similarity = float(index.similarity(np.array([row]), query)[0])
    return (int(index.ids[row]), similarity, similarity, 0.0, int(index.answer_keys[row]))


def test_the_same_answer_has_the_same_key_whatever_its_punctuation_case_or_accents():
    assert answer_key("faq", "The Sony A7 IV!") == answer_key("reply", "the sony a7 iv")
    assert answer_key("reply", "Très bien, merci.") == answer_key("reply", "tres bien merci")
    assert answer_key("faq", "The Sony A7 IV.") != answer_key("faq", "A Sigma 24-70.")


def test_a_post_is_its_own_answer():
    assert answer_key("post", "Lisbon vlog") == 0


def test_an_answer_given_once_keeps_its_own_similarity():
    index = index_of([[1, 0, 0], [0, 1, 0]], [11, 22])
    assert answer_similarity([index], 11, np.array([1, 0, 0], np.float32)) is None


def test_a_question_close_to_the_ways_an_answer_was_asked_finds_it_before_a_nearer_single_item():
    # Two ways of asking A lie either side of the query; B alone is nearer than either of them.
    index = index_of([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0.05]], [11, 11, 22])
    query = np.array([0.7071, 0.7071, 0], np.float32)
    candidates = sorted((candidate(index, row, query) for row in range(3)), key=lambda c: -c[1])
    assert candidates[0][0] == 3  # B first on its own similarity
    ranked = by_answer([index], query, candidates)
    assert ranked[0][0] in (1, 2)
    assert ranked[0][1] > ranked[-1][2]


def test_a_near_copy_of_one_way_of_asking_stays_as_sure_as_it_was():
    index = index_of([[1, 0, 0], [0, 1, 0]], [11, 11])
    query = np.array([1, 0, 0], np.float32)
    [(item_id, score, similarity, _lexical, _key)] = by_answer([index], query, [candidate(index, 0, query)])
    assert item_id == 1 and score == similarity


def test_the_ways_of_asking_added_since_the_build_count_too():
    built, added = index_of([[1, 0, 0]], [11]), index_of([[0, 1, 0]], [11])
    query = np.array([0.7071, 0.7071, 0], np.float32)
    assert answer_similarity([built, added], 11, query) > 0.99
    assert answer_similarity([built], 11, query) is None


def test_search_scores_a_comment_by_the_centroid_of_the_ways_an_answer_was_asked(creator):
    answer = "The Sony A7 IV, with the 24-70."
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "What camera do you use?", answer),
        KnowledgeInput("reply", "which cam is this shot on", answer),
        KnowledgeInput("reply", "what are you filming with", answer),
        KnowledgeInput("faq", "Where do you live?", "Lisbon."),
    ])
    [best, *_] = search(creator_id=creator.id, text="which camera did you film this on", limit=4)
    assert best.item.body == answer
    assert best.score > best.similarity + LEXICAL_WEIGHT * best.lexical + 0.01  # raised by the centroid


def test_an_index_knows_whether_any_answer_repeats():
    assert not index_of([[1, 0, 0], [0, 1, 0]], [11, 22]).answers_repeat
    assert not index_of([[1, 0, 0], [0, 1, 0]], [0, 0]).answers_repeat  # posts are their own answers
    assert index_of([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [11, 22, 11]).answers_repeat


def test_an_answer_repeated_by_knowledge_added_since_the_build_counts(creator):
    answer = "The Sony A7 IV."
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", answer)])
    built = indexes.get(creator.id)
    assert not built.answers_repeat
    knowledge_add(creator=creator, items=[KnowledgeInput("reply", "which cam is this", answer)])
    index = indexes.get(creator.id)
    assert index.added is not None and index.added.answers_repeat


def test_a_large_answer_group_is_summed_once_and_gives_the_same_centroid():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(LARGE_ANSWER_GROUP + 1, 8)).tolist()
    index = index_of(rows, [11] * (LARGE_ANSWER_GROUP + 1))
    query = np.ones(8, np.float32) / np.sqrt(8)
    first = answer_similarity([index], 11, query)
    assert 11 in index.large_answer_sums
    index.vectors[:] = 0  # a second lookup must not read the rows again
    assert answer_similarity([index], 11, query) == first
