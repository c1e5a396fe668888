"""Pages: search and browse the knowledge base, read, write, version and restore articles."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.audit.actions import record_read
from roadie.desk.contacts.access import access_contact
from roadie.desk.contacts.actions import ActionError
from roadie.desk.kb import access, actions
from roadie.desk.kb.models import ArticleStatus, UsageKind
from roadie.desk.kb.search import search
from roadie.desk.kb.stats import usage_counts


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def kb_home(request):
    user = request.user
    brands = list(access.readable_brands(user).order_by("name"))
    brand_slug = request.GET.get("brand", "") or (brands[0].slug if len(brands) == 1 else "")
    brand = access.access_brand(user, brand_slug) if brand_slug else None
    q = request.GET.get("q", "").strip()
    hits = search(access.searchable_brand_ids(user, brand_slug or None), q, limit=20) if q else []
    articles = []
    if brand is not None and not q:
        articles = access.visible_articles(user).filter(brand=brand).order_by("category", "title")
    return render(request, "kb/home.html", {
        "brands": brands, "brand": brand, "q": q, "hits": hits, "articles": articles,
        "can_edit": brand is not None and access.can_edit(user, brand),
    })


@login_required
def article(request, brand_slug: str, slug: str):
    art = access.access_article(request.user, brand_slug=brand_slug, slug=slug)
    if request.GET.get("from") == "search":  # opened from the search results: what was asked
        actions.record_usage(request.user, art, UsageKind.SEARCHED, query=request.GET.get("q", ""),
                             rank=_int(request.GET.get("rank")))
    contact_id = _int(request.GET.get("contact"))
    if contact_id is not None:
        try:  # a link from a contact this user can no longer see still opens the article
            contact = access_contact(request.user, contact_id)
        except Http404:
            contact = None
        if contact is not None:
            actions.record_usage(request.user, art, UsageKind.OPENED, contact=contact,
                                 rank=_int(request.GET.get("rank")))
    editable = access.can_edit(request.user, art.brand_id)
    return render(request, "kb/article.html", {
        "article": art, "can_edit": editable, "contact_id": contact_id,
        "versions": art.versions.select_related("author")[:50] if editable else [],
        "usage": usage_counts(art) if editable else {},
    })


def _form_data(post) -> actions.ArticleData:
    return actions.ArticleData(
        title=post.get("title", ""), body=post.get("body", ""), slug=post.get("slug", ""),
        category=post.get("category", ""), tags=tuple(post.get("tags", "").split(",")),
        status=post.get("status", ArticleStatus.DRAFT), summary=post.get("summary", ""),
        public=post.get("public") == "on")


@login_required
def article_new(request, brand_slug: str):
    brand = access.access_brand_for_edit(request.user, brand_slug)
    data = None
    if request.method == "POST":
        data = _form_data(request.POST)
        try:
            art = actions.create_article(request.user, brand, data)
            messages.success(request, _("Article created."))
            return redirect("kb-article", brand_slug=brand.slug, slug=art.slug)
        except ActionError as exc:
            messages.error(request, str(exc))
    return render(request, "kb/edit.html", {"brand": brand, "article": data, "new": True,
                                            "statuses": ArticleStatus.choices})


@login_required
def article_edit(request, brand_slug: str, slug: str):
    art = access.access_article_for_edit(request.user, brand_slug=brand_slug, slug=slug)
    if request.method == "POST":
        data = _form_data(request.POST)
        try:
            actions.update_article(request.user, art, title=data.title, body=data.body,
                                   category=data.category, tags=list(data.tags), status=data.status,
                                   summary=data.summary, public=bool(data.public),
                                   note=request.POST.get("note", "") or "edited")
            messages.success(request, _("Article saved."))
            return redirect("kb-article", brand_slug=brand_slug, slug=slug)
        except ActionError as exc:
            messages.error(request, str(exc))
    return render(request, "kb/edit.html", {"brand": art.brand, "article": art, "new": False,
                                            "statuses": ArticleStatus.choices})


@login_required
def version(request, brand_slug: str, slug: str, number: int):
    art = access.access_article_for_edit(request.user, brand_slug=brand_slug, slug=slug)
    old = art.versions.select_related("author").filter(number=number).first()
    if old is None:
        raise Http404("No such version")
    before = art.versions.filter(number__lt=number).order_by("-number").first()
    diff = "\n".join(difflib.unified_diff(
        (before.body if before else "").splitlines(), old.body.splitlines(),
        fromfile=f"v{before.number}" if before else "", tofile=f"v{number}", lineterm=""))
    return render(request, "kb/version.html", {"article": art, "version": old, "diff": diff,
                                               "html": actions.render_markdown(old.body)})


@login_required
@require_POST
def restore(request, brand_slug: str, slug: str, number: int):
    art = access.access_article_for_edit(request.user, brand_slug=brand_slug, slug=slug)
    try:
        actions.restore_version(request.user, art, number)
        messages.success(request, _("Version %(n)s restored.") % {"n": number})
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("kb-article", brand_slug=brand_slug, slug=slug)


@login_required
@require_POST
def usage(request, brand_slug: str, slug: str):
    """The workspace reports that a link or an excerpt was inserted into a reply."""
    art = access.access_article(request.user, brand_slug=brand_slug, slug=slug)
    kind = request.POST.get("kind", "")
    if kind not in (UsageKind.USED_LINK, UsageKind.USED_EXCERPT, UsageKind.OPENED):
        return HttpResponse(status=400)
    if kind == UsageKind.USED_LINK and not art.is_public:  # a staff article has no link to give
        return HttpResponse("kind: only a public article's link can be inserted", status=400)
    contact_id = _int(request.POST.get("contact"))
    contact = access_contact(request.user, contact_id) if contact_id is not None else None
    actions.record_usage(request.user, art, kind, contact=contact, rank=_int(request.POST.get("rank")))
    return HttpResponse(status=204)


@login_required
def contact_search(request, contact_id: int):
    """Search the contact's brand from the workspace: the same list as the suggestions."""
    from roadie.desk.contacts.models import Status

    contact = access_contact(request.user, contact_id)
    # Searching for a contact is a look at it: audited like a conversation read.
    record_read(request.user, action="conversation.read", obj=contact, brand_id=contact.brand_id,
                fields=[], via="kb-search")
    q = request.GET.get("q", "").strip()
    brand_ids = access.searchable_brand_ids(request.user, contact.brand.slug)
    agent = getattr(request.user, "agent", None)
    return render(request, "kb/_hits.html", {
        "hits": search(brand_ids, q, limit=5) if q else [], "searching": True, "contact": contact,
        "is_mine": agent is not None and contact.agent_id == agent.pk and contact.status == Status.ACTIVE,
    })
