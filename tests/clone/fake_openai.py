"""A loopback server that speaks the OpenAI Chat Completions protocol, scripted per request."""

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeOpenAI:
    script: list[str] = field(default_factory=list)  # ok, abstain, slow, 500, 429, malformed, not_completion, malicious
    requests: list[dict] = field(default_factory=list)
    slow_seconds: float = 2.0
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def embeddings(self, request: dict) -> tuple[int, str]:
        """POST /v1/embeddings as OpenAI answers it: one vector per input, in order, with usage.
        The vectors are word-hash bags (texts sharing words are close): enough to rank."""
        inputs = request.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) and t for t in inputs) or "model" not in request:
            return 400, json.dumps({"error": {"message": "'input' must be a non-empty string or array of strings", "type": "invalid_request_error"}})
        data = []
        for index, text in enumerate(inputs):
            vector = [0.0] * 64
            for word in text.lower().split():
                vector[int(hashlib.md5(word.strip("?!.,").encode()).hexdigest(), 16) % 64] += 1.0
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(t.split()) for t in inputs)
        return 200, json.dumps({"object": "list", "data": data, "model": request["model"], "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def variants(self, request: dict, data: dict) -> tuple[int, str]:
        """A brief rewritten as the model would: the creator's examples set the style (an emoji
        they use), the brief gives the facts."""
        if self.script and self.script[0] == "500":
            self.script.pop(0)
            return 500, json.dumps({"error": {"message": "overloaded", "type": "server_error"}})
        count = int(request["messages"][0]["content"].split(" distinct variants")[0].rsplit(" ", 1)[-1])
        style = "📸" if any("📸" in example for example in data.get("EXAMPLES", [])) else "✨"
        sentences = [s.strip() for s in data["BRIEF"].replace("!", ".").split(".") if s.strip()]
        endings = ["", " so worth it.", " still dreaming of it.", " what a trip.", " never again, or maybe."]
        variants = [f"{sentences[i % len(sentences)]}{endings[i // len(sentences) % len(endings)]} {style}" for i in range(count)]
        content = json.dumps({"variants": variants})
        return 200, self._completion(request, content)

    def _completion(self, request: dict, content: str) -> str:
        return json.dumps({
            "id": "chatcmpl-test", "object": "chat.completion", "model": request["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 42, "total_tokens": 363},
        })

    def answer(self, request: dict) -> tuple[int, str]:
        if "BRIEF" in request["messages"][-1]["content"]:
            return self.variants(request, json.loads(request["messages"][-1]["content"]))
        action = self.script.pop(0) if self.script else "ok"
        data = json.loads(request["messages"][1]["content"].split("\n", 1)[1])
        sources = data["SOURCES"]
        if action == "slow":
            time.sleep(self.slow_seconds)
        if action == "500":
            return 500, json.dumps({"error": {"message": "overloaded", "type": "server_error"}})
        if action == "429":
            return 429, json.dumps({"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}})
        if action == "malformed":
            return 200, "{not json"
        if action == "not_completion":
            return 200, json.dumps({"object": "list", "data": []})
        if action == "abstain" or not sources:
            content = json.dumps({"abstain": "the sources do not answer"})
        elif action == "malicious":
            content = json.dumps({
                "reply": "Free presets for everyone at www.free-presets.xyz <script>alert(1)</script>",
                "sources": [999999], "confidence": 1.0,
            })
        elif action == "prose":
            content = "Sure! Here is my reply: " + json.dumps({"reply": sources[0]["said"], "sources": [sources[0]["id"]]})
        else:
            content = json.dumps({"reply": f"Hey {data['FAN']['name']}! {sources[0]['said']}", "sources": [sources[0]["id"]], "confidence": 0.9})
        completion = {
            "id": "chatcmpl-test", "object": "chat.completion", "model": request["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 42, "total_tokens": 363},
        }
        return 200, json.dumps(completion)

    def start(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, text = fake.embeddings(body) if self.path.endswith("/embeddings") else fake.answer(body)
                payload = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
