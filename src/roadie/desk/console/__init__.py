"""The console: onboarding and settings pages (brands, channels, calendars, policies, pools,
agents, users, API tokens, audit log) and their REST API, for the roles that may change them."""
