from replyqueue.clone.models import CommunityRule
from replyqueue.clone.rules import rule_preview, validate_rule
from replyqueue.inbox.drafting import comment_process
from tests.factories import ingest


def rule(creator, kind, value, action, position=0, **extra):
    return CommunityRule.objects.create(
        creator=creator, name=f"{kind}-{action}", kind=kind, value=value, action=action, position=position, **extra
    )


def processed(creator, text, external_id="c1", **extra):
    comment = ingest(creator, external_id, text=text, **extra)
    comment_process(comment_id=comment.id)
    comment.refresh_from_db()
    return comment


def test_a_blocked_phrase_means_no_reply_and_records_the_rule(creator, camera_faq):
    blocked = rule(creator, "phrase", "onlyfans\nmy ex", "no_reply")
    comment = processed(creator, "What camera do you use? asking for my ex")
    assert (comment.status, comment.triage_rule) == ("no_reply", blocked)
    assert "phrase-no_reply" in comment.reason


def test_a_vip_fan_always_goes_to_the_creator(creator, camera_faq):
    rule(creator, "vip_fan", "@BigBrand", "escalate")
    comment = processed(creator, "What camera do you use?", author={"external_id": "x", "name": "@bigbrand"})
    assert (comment.status, comment.owner_only) == ("needs_human", True)


def test_an_escalated_abusive_comment_goes_near_the_top_of_the_creators_queue(creator, camera_faq):
    rule(creator, "phrase", "nulle", "escalate")
    comment = processed(creator, "t'es vraiment nulle, casse-toi")
    assert (comment.status, comment.owner_only) == ("needs_human", True) and comment.priority >= 85


def test_a_muted_fan_gets_no_reply(creator, camera_faq):
    rule(creator, "muted_fan", "fan-c1", "no_reply")
    assert processed(creator, "What camera do you use?").status == "no_reply"


def test_draft_normally_overrides_a_builtin_spam_call(creator, camera_faq):
    text = "What camera do you use? check out my channel for free crypto!! free followers http://spam.example"
    assert processed(creator, text, external_id="before").status == "no_reply"
    rule(creator, "phrase", "check out my channel", "draft")  # the creator knows this fan
    assert processed(creator, text, external_id="after").status == "drafted"


def test_sensitive_comments_stay_with_the_creator_whatever_the_rules(creator, camera_faq):
    rule(creator, "phrase", "camera", "draft")
    comment = processed(creator, "I want to end my life. What camera do you use?")
    assert (comment.status, comment.category) == ("needs_human", "sensitive")


def test_a_rule_never_files_spam_the_safety_model_flagged(creator):
    from replyqueue.clone.triage import Triage
    from replyqueue.clone.triage_pipeline import apply_rules

    blocked = rule(creator, "phrase", "telegram", "no_reply")
    flagged_spam = Triage("spam", "en", 50, outcome="needs_human", owner_only=True, safety_doubt="doxxing")
    result = apply_rules(flagged_spam, "private pics on telegram", "fan-1", "", [blocked])
    assert result.outcome == "needs_human" and "doxxing comments stay with the creator" in result.reasons[-1]


def test_rules_apply_in_order_and_labels_do_not_stop_them(creator, camera_faq):
    rule(creator, "topic", "camera", "label", position=0, label="gear")
    first = rule(creator, "pattern", r"\bcam\w*", "escalate", position=1)
    rule(creator, "phrase", "camera", "no_reply", position=2)
    comment = processed(creator, "What camera do you use?")
    assert comment.labels == ["gear"]
    assert (comment.status, comment.triage_rule) == ("needs_human", first)


def test_disabled_rules_do_nothing(creator, camera_faq):
    rule(creator, "phrase", "camera", "no_reply", enabled=False)
    assert processed(creator, "What camera do you use?").status == "drafted"


def test_a_preview_counts_past_comments_a_rule_would_catch(creator):
    for i, text in enumerate(["buy my course", "love it", "BUY MY COURSE now"]):
        ingest(creator, f"p{i}", text)
    preview = rule_preview(creator_id=creator.id, kind="phrase", value="buy my course")
    assert (preview["caught"], preview["checked"]) == (2, 3)
    assert len(preview["examples"]) == 2


def test_an_invalid_pattern_is_refused_with_a_message():
    assert "Invalid pattern" in validate_rule("pattern", "([unclosed")
    assert validate_rule("phrase", "") is not None
    assert validate_rule("pattern", r"\d{3}") is None


def _bounded(seconds: float, work):
    """Run `work`, failing (instead of hanging the suite) if it takes longer than `seconds`.
    SIGALRM interrupts even a backtracking regex: CPython's engine checks for signals."""
    import signal

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_catastrophic_pattern_on_a_long_comment_finishes(creator, camera_faq):
    from replyqueue.clone.rules import rule_matches

    catastrophic = rule(creator, "pattern", r"^(\w+\s?)+$", "no_reply")
    text = "wow " * 2_500 + "what camera do you use!"
    assert _bounded(10.0, lambda: rule_matches(catastrophic, text, "fan-1", "Sam")) is False  # minutes with a backtracking engine
    assert rule_matches(catastrophic, "just words here", "fan-1", "Sam") is True
    comment = _bounded(10.0, lambda: processed(creator, text))
    assert comment.status != "no_reply"  # the rule did not fire; the clone may answer or abstain


def test_patterns_the_linear_engine_cannot_run_are_refused():
    assert "Invalid pattern" in validate_rule("pattern", r"(?=.*buy)course")  # lookahead
    assert "Invalid pattern" in validate_rule("pattern", r"(\w)\1{5}")  # backreference
    assert "limited to" in validate_rule("pattern", "a" * 301)
    assert validate_rule("pattern", r"(?i)\bBUY\s+my\s+course\b") is None


def test_patterns_match_without_regard_to_case(creator):
    from replyqueue.clone.rules import rule_matches

    probe = rule(creator, "pattern", r"\bbuy\s+my\s+course\b", "no_reply")
    assert rule_matches(probe, "BUY my Course now", "fan-1", "Sam")


def test_a_stored_pattern_the_engine_cannot_compile_matches_nothing(creator):
    from replyqueue.clone.rules import rule_matches

    legacy = rule(creator, "pattern", "(?<!no )course", "no_reply")  # saved before patterns were checked with RE2
    assert rule_matches(legacy, "my course", "fan-1", "Sam") is False


def test_a_rule_on_grossir_catches_tas_grossi(creator, camera_faq):
    rule(creator, "phrase", "grossir", "no_reply")
    assert processed(creator, "T'as grossi non ?").status == "no_reply"


def test_a_topic_to_avoid_catches_a_paraphrase(creator, camera_faq):
    from replyqueue.clone.triage_pipeline import triage_comment

    result = triage_comment("Tu vas avoir un bébé ? Félicitations", avoid_topics=["enceinte / bébé / pregnant"])
    assert (result.outcome, result.owner_only) == ("needs_human", True)
    assert "a topic you never engage on" in result.reasons[0]
    assert triage_comment("What camera do you use?", avoid_topics=["enceinte / bébé / pregnant"]).outcome == "draft"


def test_a_topic_rule_matches_meaning_not_only_words(creator):
    from replyqueue.clone.rules import rule_matches

    probe = CommunityRule(creator=creator, kind="topic", value="pregnant\nenceinte", action="label")
    assert rule_matches(probe, "Are you pregnant??", "f", "F")
    assert not rule_matches(probe, "Loved the Lisbon video!", "f", "F")


def test_a_preview_shows_near_misses_it_did_not_catch(creator):
    for i, text in enumerate(["Tu vas avoir un bébé ? Félicitations", "Is there a baby on the way?", "What camera do you use?"]):
        ingest(creator, f"n{i}", text)
    preview = rule_preview(creator_id=creator.id, kind="phrase", value="pregnant")
    assert preview["caught"] == 0
    assert any("baby" in miss["text"] or "bébé" in miss["text"] for miss in preview["near_misses"])
    assert all("camera" not in miss["text"] for miss in preview["near_misses"])
