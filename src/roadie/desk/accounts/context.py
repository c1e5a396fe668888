"""Template context: what the logged-in user may do, for the navigation (``can.supervise``...)."""

from __future__ import annotations

from functools import cached_property

from roadie.desk.accounts import access


class Capabilities:
    """Lazily asks the predicates of ``access``, so templates never compare roles."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def desk(self) -> bool:
        return access.is_agent(self._user)

    @cached_property
    def supervise(self) -> bool:
        return access.can_supervise(self._user)

    @cached_property
    def brand(self) -> bool:
        return access.is_brand_user(self._user)

    @cached_property
    def calls(self) -> bool:
        return access.can_supervise(self._user) or access.is_brand_user(self._user)

    @cached_property
    def console(self) -> bool:
        return access.can_administer_any_brand(self._user)

    @cached_property
    def quality(self) -> bool:
        return access.can_review_quality(self._user)

    @cached_property
    def money(self) -> bool:
        return access.can_handle_money(self._user)

    @cached_property
    def macros(self) -> bool:
        return access.can_edit_any_macros(self._user)

    @cached_property
    def knowledge(self) -> bool:
        return access.can_read_conversations(self._user)


def capabilities(request) -> dict:
    return {"can": Capabilities(getattr(request, "user", None))}
