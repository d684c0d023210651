"""URL map. Public pages live under a language prefix (/es/, /en/); the pages
that write (account, submit, editor) are origin-rendered and never part of an
edition, so they may carry per-user content and CSRF tokens."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve as static_serve
from django_otp.admin import OTPAdminSite

from altavoz.syndication import sitemap_views
from altavoz.syndication.views import robots_txt


def media_file(request: HttpRequest, path: str) -> HttpResponse:
    """Cover images and other media. MEDIA_ROOT is read per request, not fixed
    when this module is imported (tests and tools point it elsewhere)."""
    return static_serve(request, path, document_root=settings.MEDIA_ROOT)


# The Django admin demands a verified TOTP device, like every editor page.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap_views.sitemap, name="sitemap"),
    path("sitemap-<slug:part>-<int:number>.xml", sitemap_views.sitemap_part, name="sitemap_part"),
    # The admin's own login page would bypass the log-in throttle and TOTP step.
    path(
        "manage/login/",
        RedirectView.as_view(pattern_name="people:login", query_string=True),
    ),
    path("manage/", admin.site.urls),
    path("api/v1/", include("altavoz.syndication.api")),
    # Attachments are served by their own view, which sets safe headers and keeps
    # drafts' files private; it must come before the generic media route.
    path("media/", include("altavoz.attachments.media_urls")),
    path("media/<path:path>", media_file, name="media"),
]

urlpatterns += i18n_patterns(
    path("account/", include("altavoz.people.urls")),
    path("editor/", include("altavoz.newsroom.editor_urls")),
    path("", include("altavoz.debate.urls")),
    path("", include("altavoz.attachments.urls")),
    path("", include("altavoz.syndication.urls")),
    path("", include("altavoz.newsroom.urls")),
    prefix_default_language=True,
)

handler400 = "altavoz.newsroom.views.errors.bad_request"
handler403 = "altavoz.newsroom.views.errors.forbidden"
handler404 = "altavoz.newsroom.views.errors.not_found"
handler500 = "altavoz.newsroom.views.errors.server_error"
