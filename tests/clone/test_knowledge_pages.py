import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from replyqueue.clone.forms import MAX_UPLOAD_BYTES
from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.models import KnowledgeItem
from replyqueue.clone.retrieval import search
from tests.pages import HTMX, login


def faqs(creator, count: int, prefix: str = "Question"):
    return knowledge_add(creator=creator, items=[KnowledgeInput("faq", f"{prefix} {i}?", f"Answer {i}.") for i in range(count)])


def upload(client, name: str, content: str | bytes, **extra):
    data = content.encode() if isinstance(content, str) else content
    return client.post("/settings/knowledge/upload/", {"file": SimpleUploadedFile(name, data), **extra})


def test_the_owner_adds_a_faq_the_clone_can_use(client, owner, creator):
    response = login(client, owner).post("/settings/knowledge/add/", {"kind": "faq", "prompt": "Which drone do you fly?", "body": "The DJI Mini 4 Pro."})
    assert response.status_code == 302
    item = KnowledgeItem.objects.get(creator=creator)
    assert (item.kind, item.prompt, item.body, item.origin) == ("faq", "Which drone do you fly?", "The DJI Mini 4 Pro.", "settings")
    assert search(creator_id=creator.id, text="what drone do you fly")[0].item == item


def test_the_form_validates_like_the_api(client, owner, creator):
    response = login(client, owner).post("/settings/knowledge/add/", {"kind": "faq", "prompt": "Which drone?", "body": ""})
    assert response.status_code == 400
    assert "Required for kind &#x27;faq&#x27;." in response.content.decode()
    assert not KnowledgeItem.objects.exists()


def test_a_past_reply_needs_the_fans_comment(client, owner, creator):
    response = login(client, owner).post("/settings/knowledge/add/", {"kind": "reply", "prompt": "", "body": "Thanks!"})
    assert response.status_code == 400
    assert not KnowledgeItem.objects.exists()


def test_adding_the_same_item_twice_stores_it_once(client, owner, creator):
    login(client, owner)
    for _ in range(2):
        client.post("/settings/knowledge/add/", {"kind": "post", "prompt": "", "body": "Tokyo vlog is live!"})
    assert KnowledgeItem.objects.filter(creator=creator).count() == 1


def test_the_list_is_newest_first_in_keyset_pages(client, owner, creator):
    items = faqs(creator, 30)
    login(client, owner)
    first = client.get("/settings/knowledge/").context["page"]
    assert [i.id for i in first.items] == [i.id for i in reversed(items)][:25]
    second = client.get(f"/settings/knowledge/?before={first.next_before}").context["page"]
    assert [i.id for i in second.items] == [i.id for i in reversed(items)][25:]
    assert second.next_before is None


def test_the_older_link_appends_the_next_page_with_htmx(client, owner, creator):
    items = faqs(creator, 26)
    response = login(client, owner).get(f"/settings/knowledge/?before={items[1].id}", **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="knowledge-{items[0].id}"' in body


def test_search_finds_items_by_their_text(client, owner, creator):
    faqs(creator, 3)
    knowledge_add(creator=creator, items=[KnowledgeInput("faq", "Which drone?", "The DJI Mini 4 Pro.")])
    page = login(client, owner).get("/settings/knowledge/?q=dji mini").context["page"]
    assert [i.prompt for i in page.items] == ["Which drone?"]


def test_htmx_search_answers_only_the_rows(client, owner, creator):
    faqs(creator, 2)
    body = login(client, owner).get("/settings/knowledge/?q=Question 1", **HTMX).content.decode()
    assert "<html" not in body
    assert "Question 1?" in body and "Question 0?" not in body


def test_the_owner_deletes_an_item(client, owner, creator):
    [item] = faqs(creator, 1)
    response = login(client, owner).post(f"/settings/knowledge/{item.id}/delete/", **HTMX)
    assert (response.status_code, response.content) == (200, b"")
    assert not KnowledgeItem.objects.exists()


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_other_members_read_knowledge_but_cannot_change_it(client, request, role, creator):
    [item] = faqs(creator, 1)
    login(client, request.getfixturevalue(role))
    body = client.get("/settings/knowledge/").content.decode()
    assert "Question 0?" in body and "/delete/" not in body
    assert client.post("/settings/knowledge/add/", {"kind": "post", "body": "x"}).status_code == 403
    assert client.post(f"/settings/knowledge/{item.id}/delete/").status_code == 403
    assert upload(client, "k.csv", "kind,text\npost,hello\n").status_code == 403
    assert KnowledgeItem.objects.count() == 1


def test_another_creators_item_is_404(client, outsider, creator):
    [item] = faqs(creator, 1)
    login(client, outsider)
    assert client.post(f"/settings/knowledge/{item.id}/delete/").status_code == 404
    assert "Question 0?" not in client.get("/settings/knowledge/").content.decode()
    assert KnowledgeItem.objects.filter(id=item.id).exists()


def test_knowledge_text_renders_escaped(client, owner, creator):
    knowledge_add(creator=creator, items=[KnowledgeInput("reply", "<img src=x onerror=alert(1)>", "<script>alert(2)</script>")])
    body = login(client, owner).get("/settings/knowledge/").content.decode()
    assert "<img src=x" not in body and "<script>alert(2)" not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body


def test_an_uploaded_csv_is_imported_and_bad_rows_reported_by_line(client, owner, creator):
    csv = "kind,question,answer,text\nfaq,Which drone?,The DJI Mini.,\nfaq,No answer?,,\npost,,,Tokyo vlog\n"
    response = upload(login(client, owner), "knowledge.csv", csv)
    body = response.content.decode()
    assert response.status_code == 200
    assert "4 rows" not in body and "3 rows: 2 added, 0 already there, 1 invalid" in body
    assert "line 3: answer: Required for kind" in body
    assert KnowledgeItem.objects.filter(creator=creator, origin="upload").count() == 2


def test_a_strict_upload_with_a_bad_row_stores_nothing(client, owner, creator):
    response = upload(login(client, owner), "k.jsonl", '{"kind": "post", "text": "ok"}\n{"kind": "faq"}\n', strict="on")
    assert response.status_code == 400
    assert "Refused" in response.content.decode()
    assert not KnowledgeItem.objects.exists()


def test_an_upload_over_the_limit_is_refused(client, owner, creator):
    big = "kind,text\n" + "post," + "x" * MAX_UPLOAD_BYTES + "\n"
    response = upload(login(client, owner), "big.csv", big)
    assert response.status_code == 400
    assert "uploads are limited to 5 MB" in response.content.decode()
    assert not KnowledgeItem.objects.exists()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("notes.txt", "hello", "Unknown file type"),
        ("k.json", '{"kind": "post",', "Invalid JSON at line 1"),
        ("k.csv", "question,answer\nq,a\n", "must name the columns"),
        ("k.csv", b"kind,text\npost,caf\xe9\n", "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_error(client, owner, creator, name, content, message):
    response = upload(login(client, owner), name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not KnowledgeItem.objects.exists()


def test_upload_errors_render_escaped(client, owner, creator):
    response = upload(login(client, owner), "k.jsonl", '{"kind": "<script>alert(1)</script>"}\n')
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
