from django.urls import path

from altavoz.newsroom.views import mirrors, public, search_shell, writing
from altavoz.newsroom.views.listing import listing_urls

app_name = "newsroom"

urlpatterns = [
    *listing_urls("", public.front, "front"),
    *listing_urls("section/<slug:slug>/", public.section, "section"),
    path("article/<slug:slug>/", public.article, name="article"),
    *listing_urls("contributor/<str:username>/", public.contributor, "contributor"),
    *listing_urls("organizations/", public.organizations, "organizations"),
    *listing_urls("organization/<slug:slug>/", public.organization, "organization"),
    *listing_urls("tag/<slug:slug>/", public.tag, "tag"),
    *listing_urls("hidden/", public.hidden, "hidden"),
    *listing_urls("moderation/", public.moderation_log, "moderation_log"),
    path("about/", public.about, name="about"),
    path("mirrors/", mirrors.mirrors, name="mirrors"),
    path("search/", public.search, name="search"),
    # The search page in pieces, for the edge (an edition path it never serves).
    path("search/shell/", search_shell.search_shell, name="search_shell"),
    path("write/", writing.submit, name="submit"),
    path("write/<int:pk>/", writing.edit, name="edit"),
    path("mine/", writing.mine, name="mine"),
]
