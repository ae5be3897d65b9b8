"""Login throttling (django-axes): repeated wrong passwords lock an account out from an address."""

from tests.conftest import PASSWORD


def attempt(client, user, password, address="127.0.0.1"):
    return client.post("/accounts/login/", {"username": user.username, "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_lock_the_login_out(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, owner, "wrong password").status_code == 200
    assert attempt(client, owner, "wrong password").status_code == 429
    locked = attempt(client, owner, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_one_account_from_one_address(client, owner, assistant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, owner, "wrong password")
    assert attempt(client, assistant, PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, owner, PASSWORD, address="10.0.0.9").status_code == 302


def test_a_successful_login_resets_the_count(client, owner, settings):
    for _ in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, owner, "wrong password")
        assert attempt(client, owner, PASSWORD).status_code == 302
        client.logout()
