"""Every bad file is refused with a message a person can act on, and leaves nothing behind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from altavoz.attachments.models import Attachment
from altavoz.attachments.uploads import prepare
from tests.attachments import corpus
from tests.attachments.conftest import stored_files, upload

# What each refusal says (English source), so a person knows what to do next.
MESSAGES = {
    "damaged": "damaged or incomplete",
    "trailing_data": "extra data after its end",
    "polyglot_markup": "web page code hidden inside it",
    "polyglot_archive": "archive (zip) hidden inside it",
    "active": "scripts, attached files or actions",
    "encrypted": "protected by a password",
    "too_many_pixels": "too many pixels",
    "name_mismatch": "but its name ends in",
    "html": "is a web page",
    "program": "is a program",
    "office": "Export the document as PDF",
    "heic": "Share the photo as JPEG",
    "svg": "SVG drawings are not accepted",
    "empty": "The file is empty",
    "unknown": "type is not accepted",
    "animated": "Animated pictures are not accepted",
    "too_large": "too large",
}
IDS = [bad.id for bad in corpus.BAD]


@pytest.fixture
def small_limits(settings):
    settings.ALTAVOZ_MAX_IMAGE_BYTES = corpus.OVERSIZE_LIMIT
    settings.ALTAVOZ_MAX_PDF_BYTES = corpus.OVERSIZE_LIMIT


def test_every_code_has_a_message():
    assert {bad.code for bad in corpus.BAD} <= set(MESSAGES)


@pytest.mark.parametrize("bad", corpus.BAD, ids=IDS)
def test_bad_file_is_refused_with_its_reason(bad, small_limits):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prepare(upload(bad.build(), bad.name, bad.content_type))
    assert refused.value.code == bad.code
    assert MESSAGES[bad.code] in refused.value.messages[0]


@pytest.mark.parametrize("bad", corpus.BAD, ids=IDS)
def test_bad_file_is_a_form_error_and_nothing_is_stored(
        bad, small_limits, contributor_client, draft, post_file, media):
    response = post_file(contributor_client, draft, bad.build(), bad.name, bad.content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert MESSAGES[bad.code] in page.replace("&#x27;", "'")
    assert 'role="alert"' in page
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("bad", corpus.BAD[:6] + corpus.BAD[-4:], ids=IDS[:6] + IDS[-4:])
def test_bad_file_in_spanish_is_a_400_too(bad, small_limits, contributor_client, draft):
    response = contributor_client.post(
        f"/es/write/{draft.pk}/attachments/",
        {"file": upload(bad.build(), bad.name, bad.content_type), "title": "x", "alt": "y"},
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()
