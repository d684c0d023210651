from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "altavoz.attachments"
    label = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete
        from PIL import Image

        from altavoz.attachments.models import Attachment
        from altavoz.attachments.signals import delete_files

        # Pillow's own bomb check, everywhere in the process (covers too), follows
        # the setting; images.decode also checks the setting before decoding.
        Image.MAX_IMAGE_PIXELS = settings.ALTAVOZ_MAX_IMAGE_PIXELS
        post_delete.connect(delete_files, sender=Attachment, dispatch_uid="attachment_files")
