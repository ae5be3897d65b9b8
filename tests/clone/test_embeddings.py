"""The embedder behind retrieval and triage: the shipped model, or an OpenAI-compatible endpoint."""

import numpy as np
import pytest

from replyqueue.clone import embeddings
from replyqueue.clone.embeddings import EmbeddingError, LocalEmbedder, OpenAIEmbedder, from_bytes, to_bytes
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.retrieval import indexes, search
from replyqueue.clone.text import readable
from tests.clone.fake_openai import FakeOpenAI


@pytest.fixture
def endpoint(settings):
    fake = FakeOpenAI().start()
    settings.EMBEDDER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "openai", fake.base_url, "sk-test"
    settings.OPENAI_EMBEDDING_MODEL = "test-embedding"
    embeddings._embedder.cache_clear()
    indexes.clear()
    yield fake
    fake.stop()
    embeddings._embedder.cache_clear()
    indexes.clear()


def test_the_shipped_model_puts_a_french_question_next_to_its_english_twin():
    vectors = LocalEmbedder().embed(["Tu utilises quel appareil photo ?", "What camera do you use?", "I love pizza"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_the_endpoint_is_called_with_the_openai_protocol(endpoint):
    vectors = OpenAIEmbedder().embed(["what camera", "which lens"])
    request = endpoint.requests[-1]
    assert request["path"] == "/v1/embeddings"
    assert request["body"] == {"model": "test-embedding", "input": ["what camera", "which lens"]}
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert vectors.shape == (2, 64)


def test_an_endpoint_that_fails_is_a_clear_error(settings):
    settings.OPENAI_BASE_URL, settings.OPENAI_TIMEOUT = "http://127.0.0.1:9/v1", 0.5
    with pytest.raises(EmbeddingError, match="embedding service"):
        OpenAIEmbedder().embed(["hello"])


def test_knowledge_is_searched_with_the_configured_embedder(endpoint, creator):
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", "what camera do you use", "The Sony A7 IV."),
        KnowledgeInput("faq", "where do you live", "Lisbon."),
    ])
    assert KnowledgeItem.objects.filter(embedding_model="openai:test-embedding").count() == 2
    assert search(creator_id=creator.id, text="what camera do you use now")[0].item.body == "The Sony A7 IV."


def test_vectors_of_another_model_are_recomputed_when_the_model_changes(endpoint, creator, settings):
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "what camera do you use", "The Sony A7 IV.")])
    settings.OPENAI_EMBEDDING_MODEL = "another-model"
    embeddings._embedder.cache_clear()
    search(creator_id=creator.id, text="what camera")
    assert KnowledgeItem.objects.get().embedding_model == "openai:another-model"


def test_a_vector_is_stored_in_half_the_space_and_comes_back_the_same():
    vector = LocalEmbedder().embed(["hello"])[0]
    assert len(to_bytes(vector)) == 512 * 2
    assert np.allclose(from_bytes(to_bytes(vector)), vector, atol=1e-3)


def test_a_large_index_searching_its_nearest_clusters_finds_what_the_exact_ranking_finds(creator, monkeypatch):
    from replyqueue.clone import retrieval

    topics = ["camera", "lens", "tripod", "drone", "microphone", "laptop", "backpack", "filter", "gimbal", "light"]
    knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", f"Which {topic} did you use in video {n}?", f"The {topic} number {n}.")
        for topic in topics for n in range(12)
    ])
    questions = ["what drone was in video 7", "which microphone for video 3?", "gimbal in the 11th video?"]
    exact = [search(creator_id=creator.id, text=q, limit=1)[0].item.id for q in questions]
    monkeypatch.setattr(retrieval, "EXACT_UP_TO", 50)
    monkeypatch.setattr(retrieval, "COARSE_CANDIDATES", 30)
    monkeypatch.setattr(retrieval, "COARSE_PROBES", 3)  # of 10 clusters
    indexes.clear()
    index = retrieval.indexes.get(creator.id)
    assert index.coarse is not None and len(index.centroids) == 10 and index.cluster_starts[-1] == len(index.ids)
    assert [search(creator_id=creator.id, text=q, limit=1)[0].item.id for q in questions] == exact


def test_the_index_in_8_bits_ranks_items_as_their_stored_vectors_do(creator):
    from replyqueue.clone import retrieval

    items = knowledge_add(creator=creator, items=[
        KnowledgeInput("faq", f"Which {thing} did you pack for trip {n}?", f"The {thing} of trip {n}.")
        for thing in ("camera", "lens", "tripod", "drone") for n in range(10)
    ])
    query = LocalEmbedder().embed(["what drone did you pack on trip 4"])[0]
    stored = np.stack([from_bytes(KnowledgeItem.objects.get(id=i.id).embedding) for i in items]) @ query
    index = retrieval.indexes.get(creator.id)
    assert index.vectors.dtype == np.int8
    in_8_bits = index.similarity(np.arange(len(index.ids)), query)
    order = {item.id: n for n, item in enumerate(items)}
    assert np.allclose([in_8_bits[list(index.ids).index(i.id)] for i in items], stored, atol=0.01)
    assert [order[i] for i in index.ids[np.argsort(-in_8_bits)[:5]]] == list(np.argsort(-stored)[:5])


def test_a_comment_hiding_its_words_is_embedded_as_the_words_it_hides():
    plain, hidden = embeddings.embed(["hot singles in your area", "hot s\u200bingles in your a\u200brea"])
    assert plain @ hidden == pytest.approx(1.0, abs=1e-5)


def test_the_encoder_reads_look_alike_letters_as_latin_ones_in_a_latin_comment():
    assert readable("Сrурtо gratuite") == "Crypto gratuite"


def test_a_comment_written_in_cyrillic_keeps_its_letters():
    assert readable("Привет, как дела?") == "Привет, как дела?"


def test_compatibility_forms_and_spelled_out_letters_are_read_as_plain_words():
    assert readable("ｆｒｅｅ 𝐟𝐫𝐞𝐞 c h e c k  m y  c h a n n e l") == "free free check my channel"


def test_the_coarse_pass_clusters_land_on_the_groups_of_items_it_is_given():
    from replyqueue.clone.retrieval import k_means, nearest_centroids

    rng = np.random.default_rng(1)
    centres = np.array([[5, 0, 0], [0, 5, 0], [0, 0, 5]], dtype=np.float32)
    points = np.concatenate([centre + rng.normal(0, 0.3, (200, 3)) for centre in centres]).astype(np.float32)
    centroids = k_means(points, 3)
    assert sorted(np.argmin(np.linalg.norm(centroids[:, None] - centres[None], axis=2), axis=1)) == [0, 1, 2]
    labels = nearest_centroids(points, centroids)
    assert all(len(set(labels[group * 200 : (group + 1) * 200])) == 1 for group in range(3))


def test_comments_are_sorted_with_the_shipped_encoder_when_retrieval_uses_an_endpoint(endpoint, db):
    from replyqueue.clone.triage_pipeline import triage_comments

    comments = [{"text": "What camera do you use?"}, {"text": "FREE followers!!! click bit.example/free now"}, {"text": "je sais où tu habites"}]
    with_endpoint = triage_comments(comments)
    assert not [r for r in endpoint.requests if r["path"].endswith("/embeddings")]  # retrieval's endpoint never sorts
    assert embeddings.get_embedder().name == "openai:test-embedding"
    assert [(r.category, r.outcome) for r in with_endpoint] == [("question", "draft"), ("spam", "no_reply"), ("threat", "needs_human")]


def test_a_creators_marks_and_topics_are_compared_with_the_shipped_encoder_when_retrieval_uses_an_endpoint(endpoint, db):
    from replyqueue.clone.learning import CreatorModel
    from replyqueue.clone.rules import topic_similarity
    from replyqueue.clone.triage import score

    marks = CreatorModel.fit([("sub 4 sub? check my channel for free giveaways", "spam")])
    assert marks.near_duplicate(score(["sub 4 sub?? check my channel for free giveaways"]).embeddings[0]).category == "spam"
    matched, how = topic_similarity("Es-tu enceinte ?", ["pregnant"], score(["Es-tu enceinte ?"]).embeddings[0])
    assert matched and "meaning close to 'pregnant'" in how  # across languages: the shipped encoder's space
    assert not [r for r in endpoint.requests if r["path"].endswith("/embeddings")]


def test_a_comment_goes_through_triage_and_drafting_when_retrieval_uses_an_endpoint(endpoint, creator):
    from tests.factories import processed

    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "What camera do you use?", "I shoot everything on the Sony A7 IV.")])
    threat = processed(creator, "t1", "je sais où tu habites, fais attention")
    question = processed(creator, "q1", "What camera do you use?")
    assert (threat.status, threat.category, threat.owner_only) == ("needs_human", "threat", True)
    assert question.status == "drafted" and "Sony A7 IV" in question.drafts.get().text
    searched = [t for r in endpoint.requests if r["path"].endswith("/embeddings") for t in r["body"]["input"]]
    assert "What camera do you use?" in searched  # retrieval asked the endpoint; triage did not
    assert "je sais où tu habites, fais attention" not in searched
