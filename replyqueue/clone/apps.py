from django.apps import AppConfig


class CloneConfig(AppConfig):
    name = "replyqueue.clone"
    label = "clone"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.models import Creator
        from replyqueue.clone.models import Persona

        def give_the_creator_a_voice(sender, instance: Creator, created: bool, **kwargs) -> None:
            # Every creator has a persona from the start; accounts, below the clone, cannot make it.
            if created:
                Persona.objects.get_or_create(creator=instance, defaults={"display_name": instance.name})

        post_save.connect(give_the_creator_a_voice, sender=Creator, weak=False, dispatch_uid="clone.persona_for_creator")
