"""Placeholder: being written."""
from django.contrib.syndication.views import Feed


class LatestAtom(Feed):
    pass


LatestRss = SectionAtom = TagAtom = ContributorAtom = OrganizationAtom = LatestAtom
