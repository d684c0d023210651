from altavoz.newsroom.models import Article


def test_database_is_usable(db):
    assert Article.objects.count() == 0
