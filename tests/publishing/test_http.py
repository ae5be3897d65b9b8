"""Webhook deliveries go out on kept-alive connections of the sending thread's own
(connectors/http.py `post_pinned`), against a loopback HTTP/1.1 server."""

import itertools
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from replyqueue.publishing.connectors.http import DeliveryError, close_thread_connections, post_pinned


@pytest.fixture
def server():
    seen: list[tuple[int, str]] = []  # (which connection, the Host header) of each request
    behaviour = {"close_after": False, "status": 204, "body": b"", "closed": threading.Event()}
    numbers = itertools.count()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):  # once per connection
            super().setup()
            self.connection_number = next(numbers)

        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            seen.append((self.connection_number, self.headers["host"]))
            close = behaviour["close_after"]
            self.send_response(behaviour["status"])
            self.send_header("content-length", str(len(behaviour["body"])))
            self.end_headers()
            self.wfile.write(behaviour["body"])
            self.close_connection = close  # as after an idle timeout: closed without saying so

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def shutdown_request(self, request):
            super().shutdown_request(request)
            behaviour["closed"].set()

        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], ConnectionResetError):  # the long answer, cut short
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd.server_port, seen, behaviour
    close_thread_connections()
    httpd.shutdown()
    httpd.server_close()


def post(port: int, host: str = "hooks.example.com") -> int:
    return post_pinned(scheme="http", address="127.0.0.1", port=port, host=host, target="/hook", body=b"{}",
                       headers={"host": host, "content-type": "application/json"}, timeout=5).status


def test_it_reuses_the_threads_connection_for_the_next_delivery(server):
    port, seen, _ = server
    assert [post(port), post(port), post(port)] == [204, 204, 204]
    assert len({connection for connection, _ in seen}) == 1
    assert {host for _, host in seen} == {"hooks.example.com"}


def test_it_never_reuses_a_connection_for_another_host_name_on_the_same_address(server):
    port, seen, _ = server
    post(port, "a.example.com")
    post(port, "b.example.com")
    post(port, "a.example.com")
    numbers = [connection for connection, _ in seen]
    assert numbers[0] != numbers[1] and numbers[0] == numbers[2]


def test_it_opens_a_new_connection_when_the_server_closed_the_idle_one(server):
    port, seen, behaviour = server
    behaviour["close_after"] = True
    assert post(port) == 204
    assert behaviour["closed"].wait(5)
    behaviour["close_after"] = False
    assert post(port) == 204  # not "unreachable": the closed connection was noticed before use
    assert seen[0][0] != seen[1][0]


def test_each_thread_has_its_own_connections(server):
    port, seen, _ = server
    post(port)
    other = threading.Thread(target=lambda: (post(port), close_thread_connections()))
    other.start()
    other.join()
    assert seen[0][0] != seen[1][0]


def test_a_long_answer_is_not_read_and_its_connection_is_closed(server):
    port, seen, behaviour = server
    behaviour.update(status=500, body=b"x" * (1024 * 1024))
    assert post(port) == 500
    behaviour.update(status=204, body=b"")
    assert post(port) == 204
    assert seen[0][0] != seen[1][0]


def test_no_answer_is_a_delivery_error():
    with pytest.raises(DeliveryError):
        post(1)  # nothing listens on port 1


# -- TLS: the connection goes to the checked address, TLS is for the host name ----------------


def _certificate_authority():
    """A test CA and a server certificate for hooks.test, signed by it (PEM)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test CA")).issuer_name(name("test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - timedelta(days=1))
          .not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("hooks.test")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.test")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem).decode(), leaf.public_bytes(pem) + key_pem


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    import ssl

    from replyqueue.publishing.connectors import http

    ca_pem, chain_pem = _certificate_authority()
    (tmp_path / "server.pem").write_bytes(chain_pem)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "server.pem")
    names: list = []
    server_side.sni_callback = lambda sock, name, context: names.append(name)
    # The one thing changed: the client trusts the test CA instead of the public ones.
    monkeypatch.setattr(http, "_tls", ssl.create_default_context(cadata=ca_pem))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_side.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd.server_port, names
    close_thread_connections()
    httpd.shutdown()
    httpd.server_close()


def post_tls(port: int, host: str) -> int:
    return post_pinned(scheme="https", address="127.0.0.1", port=port, host=host, target="/hook", body=b"{}",
                       headers={"host": host}, timeout=5).status


def test_tls_is_for_the_host_name_not_the_address_connected_to(tls_server):
    port, names = tls_server
    assert post_tls(port, "hooks.test") == 204
    assert names == ["hooks.test"]  # SNI: the name, though the connection went to 127.0.0.1


def test_a_certificate_for_another_name_is_refused(tls_server):
    port, _ = tls_server
    with pytest.raises(DeliveryError):
        post_tls(port, "other.test")
