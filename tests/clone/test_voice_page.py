import pytest

from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.models import Persona
from tests.pages import login

VOICE = {
    "display_name": "Mia",
    "greeting": "Coucou",
    "signoff": "— Mia",
    "tone": "warm",
    "typical_length": "140",
    "emoji_rate": "0.5",
    "favourite_emoji": "💛",
    "languages": "fr, EN",
    "avoid_topics": "politics\n\nmy ex\n",
    "disclosure_label": "(AI-assisted)",
    "confidence_threshold": "0.6",
}


def test_the_owner_saves_the_voice(client, owner, creator):
    response = login(client, owner).post("/settings/voice/", VOICE)
    assert response.status_code == 302
    persona = Persona.objects.get(creator=creator)
    assert (persona.greeting, persona.signoff, persona.typical_length) == ("Coucou", "— Mia", 140)
    assert persona.languages == ["fr", "en"]
    assert persona.avoid_topics == ["politics", "my ex"]
    assert persona.confidence_threshold == 0.6


@pytest.mark.parametrize("field,value", [("confidence_threshold", "1.5"), ("emoji_rate", "-0.1"), ("languages", "french!")])
def test_out_of_range_values_are_refused(client, owner, creator, field, value):
    response = login(client, owner).post("/settings/voice/", VOICE | {field: value})
    assert response.status_code == 400
    assert Persona.objects.get(creator=creator).greeting == "Hey"


def test_lists_are_shown_as_editable_text(client, owner, creator):
    Persona.objects.filter(creator=creator).update(languages=["en", "fr"], avoid_topics=["politics", "my ex"])
    body = login(client, owner).get("/settings/voice/").content.decode()
    assert 'value="en, fr"' in body
    assert "politics\nmy ex</textarea>" in body


@pytest.mark.parametrize("role", ["assistant", "viewer"])
def test_other_members_see_the_voice_read_only(client, request, role, creator):
    login(client, request.getfixturevalue(role))
    body = client.get("/settings/voice/").content.decode()
    assert "<fieldset disabled>" in body
    assert client.post("/settings/voice/", VOICE).status_code == 403
    assert client.post("/settings/voice/derive/").status_code == 403
    assert Persona.objects.get(creator=creator).greeting == "Hey"


def test_deriving_fills_the_form_without_saving(client, owner, creator):
    knowledge_add(
        creator=creator,
        items=[KnowledgeInput("reply", f"q{i}", f"Coucou ! Merci {i} xx") for i in range(4)],
    )
    response = login(client, owner).post("/settings/voice/derive/")
    body = response.content.decode()
    assert 'name="greeting" value="Coucou"' in body
    assert 'name="signoff" value="xx"' in body
    assert "From 4 past replies" in body
    assert Persona.objects.get(creator=creator).greeting == "Hey"


def test_an_outsider_edits_only_their_own_voice(client, outsider, creator, other_creator):
    login(client, outsider).post("/settings/voice/", VOICE)
    assert Persona.objects.get(creator=creator).greeting == "Hey"
    assert Persona.objects.get(creator=other_creator).greeting == "Coucou"


def test_voice_text_renders_escaped(client, owner, creator):
    Persona.objects.filter(creator=creator).update(signoff='"><script>alert(1)</script>')
    body = login(client, owner).get("/settings/voice/").content.decode()
    assert "<script>alert(1)</script>" not in body
