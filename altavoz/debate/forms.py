"""Forms on the origin pages: write a comment, report one, moderate one.

They only shape input; the rules (limits, closed articles, depth, spam signals)
are in services.py, shared with the API.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from altavoz.debate.models import CommentReport
from altavoz.debate.services import MAX_NOTE_CHARS, MAX_REASON_CHARS
from altavoz.newsroom.models import Article


class CommentForm(forms.Form):
    body = forms.CharField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not at import: the length limit is a setting.
        self.fields["body"] = forms.CharField(
            label=_("Your comment"),
            max_length=settings.ALTAVOZ_MAX_COMMENT_CHARS,
            widget=forms.Textarea(attrs={"rows": 8}),
            help_text=_("Markdown: *emphasis*, **strong**, [links](https://…), > quotes, "
                        "`code` and lists. No headings or images."),
        )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything the editors should know (optional)"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[
        ("approve", _("approve / restore")),
        ("hide", _("hide with a public reason")),
        ("reject", _("reject as spam")),
    ])
    reason = forms.CharField(required=False, max_length=MAX_REASON_CHARS)
    # Where to go back to: the queue, or this comment's page.
    next = forms.ChoiceField(choices=[("queue", "queue"), ("comment", "comment")],
                             required=False)


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(label=_("Comments on this article"),
                               choices=Article.Comments.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Note (optional, public)"), required=False,
                             max_length=MAX_REASON_CHARS)


class PersonForm(forms.Form):
    review = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    reason = forms.CharField(required=False, max_length=MAX_REASON_CHARS)
    # The comment page to go back to.
    comment = forms.IntegerField(required=False, min_value=1, max_value=2**62)
