"""Console pages, mounted under /console/ (and the invitation page under /invite/)."""

from django.urls import path

from roadie.desk.console.views import home, tokens

urlpatterns = [
    path("", home.index, name="console"),
    path("account/", tokens.account, name="account"),
    path("account/tokens/new", tokens.token_new, name="account-token-new"),
    path("account/tokens/<int:token_id>/revoke", tokens.token_revoke, name="account-token-revoke"),
]
