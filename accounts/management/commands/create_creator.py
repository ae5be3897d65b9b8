from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from accounts.services import creator_create


class Command(BaseCommand):
    help = "Create a creator (workspace) and its owner; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--owner", required=True, help="the owner's email (their login)")
        parser.add_argument("--password", help="the owner's password")
        parser.add_argument("--name", default="", help="display name (defaults to the slug)")

    def handle(self, slug, owner, password, name, **options):
        if slugify(slug) != slug:
            raise CommandError(f"'{slug}' is not a valid slug: use lowercase letters, digits and hyphens.")
        try:
            creator = creator_create(slug=slug, name=name, owner_email=owner, password=password)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        self.stdout.write(f"creator {creator.slug} (owner {owner.lower()})")
