"""Writing articles: sanitised HTML, versions, status transitions, restore, import."""

import pytest

from roadie.desk.contacts.actions import ActionError
from roadie.desk.kb import actions
from roadie.desk.kb.importer import ImportFormatError, read_csv, read_folder
from roadie.desk.kb.models import Article, ArticleVersion


def test_markdown_is_rendered_and_sanitised(make_brand, make_article):
    article = make_article(brand=make_brand(), title="T",
                           body="**gras** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>gras</strong>" in article.html
    assert "<script>" not in article.html
    assert "href=\"javascript" not in article.html


def test_every_save_is_a_version_with_author_and_changed_fields(make_brand, make_user, make_article):
    brand = make_brand()
    editor = make_user(role="brand_admin", brand=brand)
    article = make_article(brand=brand, title="Retours", body="30 jours.", user=editor)
    actions.update_article(editor, article, body="60 jours.", note="new policy")
    actions.update_article(editor, article, body="60 jours.")  # nothing changed: no version
    versions = list(article.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].author == editor and versions[1].changed == ["body"]
    assert versions[1].note == "new policy"


def test_restore_makes_a_new_version_with_the_old_content(make_brand, make_article):
    article = make_article(brand=make_brand(), title="A", body="old text")
    actions.update_article(None, article, title="B", body="new text")
    restored = actions.restore_version(None, article, 1)
    assert (restored.title, restored.body, restored.version) == ("A", "old text", 3)
    assert ArticleVersion.objects.filter(article=article).count() == 3
    with pytest.raises(ActionError):
        actions.restore_version(None, article, 42)


def test_unknown_status_and_duplicate_slug_are_refused(make_brand, make_article):
    brand = make_brand()
    article = make_article(brand=brand, title="A", body="x", slug="a")
    with pytest.raises(ActionError):
        actions.update_article(None, article, status="deleted")
    with pytest.raises(ActionError):
        make_article(brand=brand, title="A again", body="x", slug="a")


FRONT = """---
title: Livraison express
category: Livraison
tags: [express, délai]
status: published
---
Livrée en **24 h**.
"""


def test_import_folder_then_again_is_idempotent(tmp_path, make_brand):
    (tmp_path / "express.md").write_text(FRONT, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "retour.md").write_text("# Retour\n\nSous 30 jours.", encoding="utf-8")
    brand = make_brand()
    items = read_folder(tmp_path)
    assert {i.slug for i in items} == {"express", "retour"}
    assert items[0].tags == ("express", "délai")
    assert actions.upsert_articles(None, brand, items)["created"] == 2
    again = actions.upsert_articles(None, brand, read_folder(tmp_path))
    assert again == {"created": 0, "updated": 0, "unchanged": 2}
    assert Article.objects.get(brand=brand, slug="retour").title == "Retour"


def test_import_csv(make_brand):
    text = ('slug,title,category,tags,status,summary,body\n'
            'wifi,Wifi lent,Internet,"wifi;débit",published,Conseils,"Changer le **canal**."\n')
    items = read_csv(text)
    counts = actions.upsert_articles(None, make_brand(), items)
    assert counts["created"] == 1
    assert items[0].tags == ("wifi", "débit")
    with pytest.raises(ImportFormatError):
        read_csv("slug,title\nx,y\n")


def test_kb_import_command(tmp_path, make_brand, capsys):
    from roadie.cli import main

    brand = make_brand(slug="imported")
    (tmp_path / "a.md").write_text(FRONT, encoding="utf-8")
    assert main(["kb-import", str(tmp_path), "--brand", "imported"]) == 0
    assert "1 created" in capsys.readouterr().out
    assert Article.objects.filter(brand=brand, slug="a").exists()
    assert main(["kb-import", str(tmp_path), "--brand", "nope"]) == 2


def test_kb_reindex_command_rebuilds_the_index(furniture, capsys):
    from django.db import connection

    from roadie.cli import main
    from roadie.desk.kb.search import search

    with connection.cursor() as cursor:
        # SQLite: FTS5's rows and the per-brand inverted index the ranking reads, with its counts.
        for table in (["kb_fts", "kb_fts_size", "kb_fts_term", "kb_fts_df", "kb_fts_brand"]
                      if connection.vendor == "sqlite" else ["kb_search"]):
            cursor.execute(f"DELETE FROM {table}")
    assert search([furniture.pk], "meubles", mode="fulltext") == []
    assert main(["kb-reindex"]) == 0
    assert "3 published articles indexed" in capsys.readouterr().out
    assert search([furniture.pk], "meubles", mode="fulltext")


def test_an_import_with_one_slug_twice_is_refused_whole_and_named(tmp_path, make_brand, capsys):
    from roadie.cli import main

    brand = make_brand(slug="twice")
    (tmp_path / "retour.md").write_text("# Retour\n\nSous 30 jours.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "retour.md").write_text("# Retour (pro)\n\nSous 14 jours.", encoding="utf-8")
    (tmp_path / "express.md").write_text(FRONT, encoding="utf-8")
    with pytest.raises(ActionError, match="slug 'retour' appears twice"):
        actions.upsert_articles(None, brand, read_folder(tmp_path))
    assert not Article.objects.filter(brand=brand).exists()  # nothing half-written
    assert main(["kb-import", str(tmp_path), "--brand", "twice"]) != 0
    assert "slug 'retour' appears twice" in capsys.readouterr().err
