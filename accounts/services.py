import base64
import secrets

from django.db import transaction

from accounts.models import Creator, Membership, Role, User


@transaction.atomic
def user_get_or_create(*, email: str, password: str | None = None) -> User:
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(username=email, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def creator_create(*, slug: str, name: str = "", owner_email: str, password: str | None = None) -> Creator:
    from replyqueue.clone.models import Persona

    creator, _ = Creator.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    Persona.objects.get_or_create(creator=creator, defaults={"display_name": creator.name})
    owner = user_get_or_create(email=owner_email, password=password)
    Membership.objects.update_or_create(user=owner, creator=creator, defaults={"role": Role.OWNER})
    return creator


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` followed by base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_set(*, creator: Creator, url: str) -> str:
    creator.webhook_url = url
    if not creator.webhook_secret:
        creator.webhook_secret = new_webhook_secret()
    creator.save(update_fields=["webhook_url", "webhook_secret"])
    return creator.webhook_secret
