"""The loopback Standard Webhooks receiver that stands in for a creator's endpoint."""

import socket
import time

from replyqueue.integrations.webhook.receiver import ReceiverState, start_receiver


def test_a_request_cut_before_its_body_ends_is_neither_a_delivery_nor_a_bad_signature():
    state = ReceiverState(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    server = start_receiver(state)
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as client:
            client.sendall(b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{\"type\": \"reply")
        time.sleep(0.3)  # the handler reads what came, then sees the connection closed
        assert (state.rejected, state.unique_deliveries) == (0, 0)
    finally:
        server.shutdown()
