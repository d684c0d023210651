from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditionsConfig(AppConfig):
    name = "altavoz.editions"
    label = "editions"
    verbose_name = _("Editions")

    def ready(self) -> None:
        from altavoz.editions import changes

        changes.connect()
