from django.urls import path

from altavoz.newsroom.views import public, writing

app_name = "newsroom"

urlpatterns = [
    path("", public.front, name="front"),
    path("section/<slug:slug>/", public.section, name="section"),
    path("article/<slug:slug>/", public.article, name="article"),
    path("contributor/<str:username>/", public.contributor, name="contributor"),
    path("organizations/", public.organizations, name="organizations"),
    path("organization/<slug:slug>/", public.organization, name="organization"),
    path("tag/<slug:slug>/", public.tag, name="tag"),
    path("hidden/", public.hidden, name="hidden"),
    path("moderation/", public.moderation_log, name="moderation_log"),
    path("about/", public.about, name="about"),
    path("search/", public.search, name="search"),
    path("write/", writing.submit, name="submit"),
    path("write/<int:pk>/", writing.edit, name="edit"),
    path("mine/", writing.mine, name="mine"),
]
