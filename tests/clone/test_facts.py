from replyqueue.clone.facts import check

SOURCE = "I shoot everything on the Sony A7 IV. My presets are €15 on miasnaps.com/presets, new videos every Thursday at 6pm."


def kinds(text: str) -> list[str]:
    return [v.kind for v in check(text, [SOURCE, "Mia", "Sam"])]


def test_claims_found_in_the_sources_pass():
    assert kinds("Hey Sam! I shoot on the Sony A7 IV, presets are €15 on miasnaps.com/presets. — Mia") == []


def test_an_invented_product_is_flagged():
    assert kinds("Hey Sam! I use the Canon R5.") == ["name"]


def test_an_invented_price_is_flagged():
    assert "price" in kinds("The presets are $9.99 this week")


def test_an_invented_date_and_time_are_flagged():
    assert set(kinds("New videos every Friday at 8pm")) == {"date", "time"}


def test_an_invented_url_and_handle_are_flagged():
    assert set(kinds("Grab them at www.free-presets.xyz or ask @mia_promo")) == {"url", "handle"}


def test_a_promise_is_flagged():
    assert "promise" in kinds("I'll send you a free pack!")


def test_a_french_promise_is_flagged():
    assert "promise" in kinds("Je vais t'envoyer le pack gratuit")


def test_violations_carry_their_span():
    [violation] = check("Sure, I use the Canon R5.", [SOURCE])
    assert "Sure, I use the Canon R5."[violation.start : violation.end] == "Canon R5"
