"""The role policy, tried on every URL of the inbox, the settings and the API.

The cases are generated from the URL conf (django.urls.get_resolver): every pattern under
/inbox/, /settings/ and /api/v1/, every method, every role. A new URL with a parameter this
file does not know fails the test, so nobody adds a view without saying who may use it.

- outsiders (members of another creator) get 404 for anything that names one of the
  creator's rows, and never see or change the creator's data through the other URLs;
  anonymous users are sent to the login page (the API answers 401/403 without a token);
- viewers never change anything (their own saved views and presence aside);
- assistants never see owner-only comments (404, partials and publication retry included)
  and never approve a draft that is not routine, alone or in bulk;
- nobody gets a server error.
"""

import json

import pytest
from django.apps import apps
from django.db import models
from django.http import HttpRequest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership, Role
from accounts.services import invitation_create
from replyqueue.clone.models import CommunityRule, ContentBrief
from replyqueue.clone.rule_services import rule_create
from replyqueue.comments.models import Comment
from replyqueue.inbox.actions import Actor, brief_request, draft_approve
from replyqueue.inbox.models import Draft, DraftStatus, SavedView, Snippet
from replyqueue.publishing.models import Publication
from tests.conftest import PASSWORD
from tests.factories import drafted

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREFIXES = ("inbox/", "settings/", "api/v1/")
HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET = "fan-secret-marker"  # in the owner-only comment: must never reach anyone but the owner
OTHER = "zebra-marker"  # in every comment of the creator: must never reach an outsider

# Fields that move on their own (a login, a heartbeat) and say nothing about who changed what.
VOLATILE = {"last_login", "last_used_at", "updated_at", "polled_at"}
APPS = ("accounts", "comments", "clone", "inbox", "publishing", "integrations", "privacy")

WEB_FORMS = {
    "inbox-bulk-approve": lambda s: {"draft": [str(i) for i in s.all_drafts]},
    "inbox-new-brief": lambda s: {"kind": "caption", "brief": "A caption for the new video"},
    "inbox-save-view": lambda s: {"name": "mine", "query": "tab=review"},
    "inbox-approve": lambda s: {"text": "Edited reply", "confirm": "1"},
    "inbox-reject": lambda s: {"reason": "not now"},
    "inbox-regenerate": lambda s: {"instruction": "shorter"},
    "inbox-mark": lambda s: {"category": "praise"},
    "inbox-draft-mark": lambda s: {"category": "spam"},
    "inbox-mark-similar": lambda s: {"category": "spam", "comment": [str(i) for i in s.comments.values()]},
    "inbox-answer": lambda s: {"text": "Thanks a lot!"},
    "inbox-assign": lambda s: {"assignee": "me"},
    "settings-team-invite": lambda s: {"email": "new@example.com", "role": "assistant"},
    "settings-member-role": lambda s: {"role": "owner"},
    "settings-tokens": lambda s: {"name": "script"},
    "settings-webhook": lambda s: {"url": "https://example.com/hook"},
    "settings-voice": lambda s: {"display_name": "Changed", "languages": "en", "typical_length": "100",
                                 "emoji_rate": "0.1", "confidence_threshold": "0.1", "avoid_topics": ""},
    "settings-knowledge-add": lambda s: {"kind": "faq", "prompt": "Where?", "body": "Paris."},
    "settings-rule-new": lambda s: {"name": "r2", "kind": "phrase", "value": "buy", "action": "no_reply",
                                    "enabled": "on", "position": "0"},
    "settings-rule-edit": lambda s: {"name": "r1b", "kind": "phrase", "value": "sell", "action": "no_reply",
                                     "enabled": "on", "position": "0"},
    "settings-rule-move": lambda s: {"step": "1"},
    "settings-privacy-erase": lambda s: {"platform": "youtube", "fan_id": "fan-nobody"},
    "settings-rule-preview": lambda s: {"kind": "phrase", "value": "buy", "action": "no_reply", "name": "t"},
}
API_BODIES = {
    "api-knowledge": {"kind": "faq", "question": "Where?", "answer": "Paris."},
    "api-rules": {"name": "r2", "kind": "phrase", "value": "buy", "action": "no_reply"},
    "api-rule-detail": {"name": "r1b", "kind": "phrase", "value": "sell", "action": "no_reply"},
    "api-rule-preview": {"name": "t", "kind": "phrase", "value": "buy", "action": "no_reply"},
    "api-briefs": {"kind": "caption", "brief": "A caption"},
    "api-comments": {"platform": "youtube", "external_id": "new-1", "text": "hello",
                     "author": {"external_id": "f9", "name": "Fan"}},
    "api-draft-approve": {"text": "Edited reply"},
    "api-draft-reject": {"reason": "no"},
    "api-comment-mark": {"category": "praise"},
    "api-fan-erase": {"platform": "youtube", "fan_id": "fan-nobody"},
}


class Scene:
    """One creator's rows of every kind a URL can name, and the ids to put in URLs."""

    def __init__(self, creator, owner, assistant, camera_faq):
        rows = {}
        for name in ("routine", "lowconf", "hidden", "sent", "hidden-sent"):
            draft = drafted(creator, name, f"What camera do you use? {OTHER}",
                            author={"external_id": f"fan-{name}", "name": f"Fan {name}"})
            rows[name] = draft
        Draft.objects.filter(id=rows["routine"].id).update(confidence=0.97, approval_chance=0.97, flags=[])
        Draft.objects.filter(id=rows["lowconf"].id).update(confidence=0.2, approval_chance=0.2, flags=[])
        for name in ("hidden", "hidden-sent"):
            Comment.objects.filter(id=rows[name].comment_id).update(owner_only=True, text=f"{SECRET} {OTHER}")
        publications = {}
        for name in ("sent", "hidden-sent"):
            actor = Actor(role=Role.OWNER, user=owner)
            publications[name] = draft_approve(draft=Draft.objects.get(id=rows[name].id), actor=actor)
            Publication.objects.filter(id=publications[name].id).update(status="dead", last_error="HTTP 401")
        brief = brief_request(creator=creator, actor=Actor(role=Role.OWNER, user=owner), kind="caption", text="x")
        variant = Draft.objects.create(creator=creator, brief=brief, text="A caption", drafted_text="A caption",
                                       confidence=0.99)
        self.drafts = {
            "routine": rows["routine"].id, "lowconf": rows["lowconf"].id, "hidden": rows["hidden"].id,
            "variant": variant.id,
        }
        self.all_drafts = list(self.drafts.values())
        self.comments = {"routine": rows["routine"].comment_id, "hidden": rows["hidden"].comment_id}
        self.fans = {
            "routine": rows["routine"].comment.fan_id, "hidden": Comment.objects.get(id=rows["hidden"].comment_id).fan_id,
        }
        self.publications = {"visible": publications["sent"].id, "hidden": publications["hidden-sent"].id}
        self.brief = brief.id
        self.knowledge = camera_faq.id
        self.rule = rule_create(creator=creator, data={"name": "r1", "kind": "phrase", "value": "spam", "action": "no_reply"}).id
        self.membership = Membership.objects.get(creator=creator, user=assistant).id
        self.invitation = invitation_create(creator=creator, email="later@example.com", role=Role.VIEWER, invited_by=owner)[0].id
        self.token = ApiToken.issue(creator=creator, name="script")[0].id
        self.view = SavedView.objects.create(creator=creator, user=owner, name="owner view", query="tab=review").id
        self.snippet = Snippet.objects.create(creator=creator, name="thanks", text="Thanks {fan_name}!").id

    def targets(self, name: str, params: list[str]) -> list[tuple[str, dict]]:
        """(label, kwargs) for every row this URL can name; [] when it names none."""
        if not params:
            return [("", {})]
        [param] = params
        by_param = {
            "draft_id": self.drafts, "comment_id": self.comments, "fan_id": self.fans,
            "publication_id": self.publications, "item_id": {"knowledge": self.knowledge},
            "rule_id": {"rule": self.rule}, "membership_id": {"assistant": self.membership},
            "invitation_id": {"invitation": self.invitation}, "token_id": {"token": self.token},
            "view_id": {"owner view": self.view}, "snippet_id": {"snippet": self.snippet},
        }
        by_api_name = {
            "api-knowledge-detail": {"knowledge": self.knowledge}, "api-rule-detail": {"rule": self.rule},
            "api-brief-detail": {"brief": self.brief}, "api-comment-detail": self.comments, "api-comment-mark": self.comments,
            "api-draft-approve": self.drafts, "api-draft-reject": self.drafts,
            "api-publication-ack": self.publications,
        }
        ids = by_api_name.get(name) if param == "pk" else by_param.get(param)
        assert ids is not None, f"{name}: unknown URL parameter {param!r}: say in this test which rows it names"
        return [(label, {param: value}) for label, value in ids.items()]


def url_patterns():
    """(route, name, [params]) for every pattern under the inbox, the settings and the API."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(PREFIXES):
                found.append((route, pattern.name, list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return found


def fingerprint(creator_id: int, exclude_user=None) -> dict:
    """Every row of the creator in the project's apps (the acting user's own saved views aside)."""
    state = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
            queryset = model.objects.all()
            names = {f.name for f in model._meta.fields}
            if "creator" in names:
                queryset = queryset.filter(creator_id=creator_id)
            elif model._meta.model_name == "creator":
                queryset = queryset.filter(id=creator_id)
            if model is SavedView and exclude_user is not None:
                queryset = queryset.exclude(user=exclude_user)
            state[model._meta.label] = sorted(map(repr, queryset.values_list(*fields)))
    return state


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def build(route: str, kwargs: dict) -> str:
    path = route
    for key, value in kwargs.items():
        path = path.replace(f"<int:{key}>", str(value))
    return "/" + path


def web_request(client: Client, method: str, url: str, name: str, scene: Scene):
    data = WEB_FORMS.get(name, lambda s: {})(scene)
    if method == "GET":
        return client.get(url, **HTMX)
    if method == "POST":
        return client.post(url, data, **HTMX)
    return client.generic(method, url, **HTMX)


@pytest.fixture
def scene(creator, owner, assistant, viewer, outsider, camera_faq):
    return Scene(creator, owner, assistant, camera_faq)


def _login(user) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def _hidden_target(route: str, label: str) -> bool:
    return label in ("hidden",) and "<int:" in route


@pytest.mark.parametrize("role", ["viewer", "assistant", "outsider", "anonymous", "owner"])
def test_every_web_url_follows_the_role_policy(role, scene, creator, request):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = Client() if user is None else _login(user)
    failures = []
    cases = 0
    after = fingerprint(creator.id, exclude_user=user)
    for route, name, params in url_patterns():
        if route.startswith("api/"):
            continue
        for label, kwargs in scene.targets(name, params):
            for method in METHODS:
                url = build(route, kwargs)
                before = after  # nothing runs between two requests
                response = web_request(client, method, url, name, scene)
                after = fingerprint(creator.id, exclude_user=user)
                status, diff, body = response.status_code, changed(before, after), response.content.decode(errors="replace")
                cases += 1
                where = f"{role} {method} {url} ({name}, {label or '-'}) -> {status}"
                if status >= 500:
                    failures.append(f"{where}: server error")
                if role == "anonymous":
                    if not (status == 302 and "/accounts/login/" in response.get("Location", "")) and status != 405:
                        failures.append(f"{where}: anonymous not sent to login")
                    if diff:
                        failures.append(f"{where}: anonymous changed {diff}")
                elif role == "outsider":
                    if diff:
                        failures.append(f"{where}: outsider changed {diff}")
                    if params and status not in (404, 405):
                        failures.append(f"{where}: outsider should get 404")
                    if OTHER in body or SECRET in body:
                        failures.append(f"{where}: outsider saw the creator's comments")
                elif role == "viewer":
                    if diff:
                        failures.append(f"{where}: viewer changed {diff}")
                    if method != "GET" and 200 <= status < 300 and name not in ("inbox-viewing", "inbox-save-view", "inbox-delete-view"):
                        failures.append(f"{where}: viewer's change answered as a success")
                    if SECRET in body:
                        failures.append(f"{where}: viewer saw an owner-only comment")
                elif role == "assistant":
                    if SECRET in body:
                        failures.append(f"{where}: assistant saw an owner-only comment")
                    if _hidden_target(route, label) and status not in (404, 405):
                        failures.append(f"{where}: owner-only row should be 404 for an assistant")
                    if _hidden_target(route, label) and diff:
                        failures.append(f"{where}: assistant changed {diff} on an owner-only row")
                    if route.startswith("settings/") and method != "GET" and diff:
                        failures.append(f"{where}: assistant changed settings {diff}")
                approved = set(Draft.objects.filter(id__in=scene.all_drafts, status=DraftStatus.APPROVED).values_list("id", flat=True))
                if role == "assistant" and approved - {scene.drafts["routine"]}:
                    failures.append(f"{where}: assistant approved non-routine drafts {sorted(approved)}")
                    Draft.objects.filter(id__in=approved - {scene.drafts["routine"]}).update(status=DraftStatus.PENDING)
                    after = fingerprint(creator.id, exclude_user=user)
    assert cases > 150, cases
    assert not failures, "\n".join(failures)


API_ROLES = ["token", "other-token", "no-token"]


@pytest.mark.parametrize("role", API_ROLES)
def test_every_api_url_follows_the_tenancy_policy(role, scene, creator, other_creator):
    client = APIClient()
    if role != "no-token":
        _, raw = ApiToken.issue(creator=creator if role == "token" else other_creator, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    failures = []
    after = fingerprint(creator.id)
    for route, name, params in url_patterns():
        if not route.startswith("api/"):
            continue
        for label, kwargs in scene.targets(name, params):
            for method in METHODS:
                url = build(route, kwargs)
                before = after
                body = json.dumps(API_BODIES.get(name, {}))
                response = client.generic(method, url, body, content_type="application/json")
                after = fingerprint(creator.id)
                diff = changed(before, after)
                status, text = response.status_code, response.content.decode(errors="replace")
                where = f"{role} {method} {url} ({name}, {label or '-'}) -> {status}"
                if status >= 500:
                    failures.append(f"{where}: server error")
                if role == "no-token" and (status not in (401, 403) or diff):
                    failures.append(f"{where}: answered without a token (changed {diff})")
                if role == "other-token":
                    if diff:
                        failures.append(f"{where}: another creator's token changed {diff}")
                    if params and status not in (404, 405):
                        failures.append(f"{where}: another creator's token should get 404")
                    if OTHER in text or SECRET in text:
                        failures.append(f"{where}: another creator's token saw the creator's comments")
    assert not failures, "\n".join(failures)


def test_bulk_approval_by_an_assistant_approves_routine_drafts_only(scene, assistant):
    client = _login(assistant)
    client.post("/inbox/bulk-approve/", {"draft": [str(i) for i in scene.all_drafts]}, **HTMX)
    approved = set(Draft.objects.filter(id__in=scene.all_drafts, status=DraftStatus.APPROVED).values_list("id", flat=True))
    assert approved == {scene.drafts["routine"]}
    client.post("/inbox/bulk-approve/", {"all_matching": "1"}, **HTMX)
    approved = set(Draft.objects.filter(id__in=scene.all_drafts, status=DraftStatus.APPROVED).values_list("id", flat=True))
    assert approved == {scene.drafts["routine"]}


def test_the_matrix_knows_every_row_kind(scene):
    """The scene holds one of everything, so the matrix reaches every branch of the policy."""
    assert ContentBrief.objects.filter(id=scene.brief).exists()
    assert CommunityRule.objects.filter(id=scene.rule).exists()
    assert Comment.objects.filter(id=scene.comments["hidden"], owner_only=True).exists()
    assert models  # keep the import for readers of fingerprint()
