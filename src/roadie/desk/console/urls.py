"""Console pages, mounted under /console/ (the invitation page is /invite/, in desk/urls.py)."""

from django.urls import path

from roadie.desk.console.views import agents, audit, brands, channels, home, pools, tokens, users

B = "brands/<slug:slug>/"

urlpatterns = [
    path("", home.index, name="console"),
    path("account/", tokens.account, name="account"),
    path("account/tokens/new", tokens.token_new, name="account-token-new"),
    path("account/tokens/<int:token_id>/revoke", tokens.token_revoke, name="account-token-revoke"),
    # Brands and their settings
    path("brands/new", brands.brand_new, name="console-brand-new"),
    path(B, brands.brand, name="console-brand"),
    path(B + "hours", brands.hours, name="console-brand-hours"),
    path(B + "closures", brands.closure_add, name="console-brand-closure-add"),
    path(B + "closures/<int:closure_id>/delete", brands.closure_delete, name="console-brand-closure-delete"),
    path(B + "service-levels", brands.service_levels, name="console-brand-sl"),
    path(B + "wrap-up-codes", brands.wrap_up, name="console-brand-wrap-up"),
    path(B + "channels/", channels.channels, name="console-channels"),
    path(B + "channels/<int:channel_id>/", channels.channel, name="console-channel"),
    path(B + "channels/<int:channel_id>/test", channels.channel_test, name="console-channel-test"),
    # People
    path("agents/", agents.agents, name="console-agents"),
    path("agents/<int:agent_id>/", agents.agent, name="console-agent"),
    path("users/", users.users, name="console-users"),
    path("users/<int:user_id>/", users.user, name="console-user"),
    path("users/<int:user_id>/invite", users.invite_send, name="console-user-invite"),
    path("audit/", audit.audit, name="console-audit"),
    path("pools/", pools.pools, name="console-pools"),
]
