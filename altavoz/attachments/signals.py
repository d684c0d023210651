"""Files leave the disk with their row, whatever deleted it (the attachments page,
the admin, or an article's deletion cascading)."""

from __future__ import annotations

from altavoz.attachments import storage
from altavoz.attachments.models import Attachment


def delete_files(sender: type[Attachment], instance: Attachment, **kwargs) -> None:
    storage.remove_on_commit(instance.stored_names())
