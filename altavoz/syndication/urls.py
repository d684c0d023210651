from django.urls import path

from altavoz.debate.feeds import ArticleCommentsAtom
from altavoz.syndication import feeds

app_name = "syndication"

urlpatterns = [
    path("feed/", feeds.LatestAtom(), name="latest"),
    path("feed/rss/", feeds.LatestRss(), name="latest_rss"),
    path("section/<slug:slug>/feed/", feeds.SectionAtom(), name="section"),
    path("tag/<slug:slug>/feed/", feeds.TagAtom(), name="tag"),
    path("contributor/<str:username>/feed/", feeds.ContributorAtom(), name="contributor"),
    path("organization/<slug:slug>/feed/", feeds.OrganizationAtom(), name="organization"),
    path("section/<slug:slug>/feed/rss/", feeds.SectionRss(), name="section_rss"),
    path("tag/<slug:slug>/feed/rss/", feeds.TagRss(), name="tag_rss"),
    path("contributor/<str:username>/feed/rss/", feeds.ContributorRss(), name="contributor_rss"),
    path("organization/<slug:slug>/feed/rss/", feeds.OrganizationRss(), name="organization_rss"),
    path("article/<slug:slug>/comments/feed/", ArticleCommentsAtom(), name="article_comments"),
]
