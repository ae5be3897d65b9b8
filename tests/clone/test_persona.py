from replyqueue.clone.knowledge import KnowledgeInput, knowledge_add
from replyqueue.clone.persona import persona_derive


def replies(creator, *texts, kind="reply"):
    knowledge_add(creator=creator, items=[KnowledgeInput(kind, f"fan comment {i}", text) for i, text in enumerate(texts)])


MIA = [
    "Hey Sam! I shoot everything on the Sony A7 IV 📷 — Mia",
    "Hey! Thank you so much, that means a lot 💛 — Mia",
    "Hey Lea, the lens is a Sigma 24-70, I love it. — Mia",
    "Coucou ! Merci beaucoup, c'est trop gentil 💛 — Mia",
    "Hey! Next trip is Japan, the video is coming soon — Mia",
]


def test_it_derives_the_voice_from_past_replies(creator):
    replies(creator, *MIA)
    derived = persona_derive(creator)
    assert derived.replies == 5
    assert derived.fields["typical_length"] == sorted(len(t) for t in MIA)[2]
    assert derived.fields["greeting"] == "Hey"
    assert derived.fields["signoff"] == "— Mia"
    assert derived.fields["emoji_rate"] == 0.6
    assert derived.fields["favourite_emoji"] == "💛"
    assert derived.fields["languages"] == ["en", "fr"]


def test_it_reports_what_it_found(creator):
    replies(creator, *MIA)
    findings = " ".join(persona_derive(creator).findings)
    assert "“Hey” opens 4 of 5 replies" in findings
    assert "“— Mia” closes 5 of 5 replies" in findings
    assert "60%" in findings


def test_it_fills_nothing_from_too_few_replies(creator):
    replies(creator, "Hey! Thanks 💛 xx", "Hey you! xx")
    derived = persona_derive(creator)
    assert derived.fields == {}
    assert "at least 3" in derived.findings[0]


def test_it_only_proposes_a_greeting_and_signoff_most_replies_share(creator):
    replies(
        creator,
        "Thanks so much for watching the whole series.",
        "I use a Sony, it has been great for travel.",
        "Hey! The preset pack is in the shop.",
        "The next video is about Lisbon.",
    )
    derived = persona_derive(creator)
    assert "greeting" not in derived.fields
    assert "signoff" not in derived.fields
    assert "typical_length" in derived.fields


def test_it_recognises_kisses_and_stretched_greetings(creator):
    replies(
        creator,
        "Coucou toi ! Merci, c'est gentil xx",
        "Coucouuu toi, je suis trop contente xx",
        "Coucou toi ! La vidéo sort quand je rentre xx",
        "Merci pour ton message xx",
    )
    derived = persona_derive(creator)
    assert derived.fields["greeting"] == "Coucou toi"
    assert derived.fields["signoff"] == "xx"
    assert derived.fields["languages"] == ["fr"]


def test_a_fans_name_after_the_greeting_is_not_part_of_it(creator):
    replies(creator, "Hi Sam! Yes.", "Hi Lea! No.", "Hi Tom! Maybe.")
    assert persona_derive(creator).fields["greeting"] == "Hi"


def test_without_emoji_the_rate_is_zero_and_no_favourite_is_proposed(creator):
    replies(creator, "Hey! Yes it is.", "Hey! No it is not.", "Hey! Soon, I promise.")
    derived = persona_derive(creator)
    assert derived.fields["emoji_rate"] == 0.0
    assert "favourite_emoji" not in derived.fields


def test_it_reads_only_this_creators_past_replies(creator, other_creator):
    replies(other_creator, *MIA)
    replies(creator, *MIA[:2], kind="faq")
    assert persona_derive(creator).replies == 0
