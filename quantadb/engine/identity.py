"""Who a session acts as: the authenticated role, the session user (SET SESSION AUTHORIZATION)
and the current user (SET ROLE), and the roles whose privileges the current user has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.membership import ActingRoles, acting_roles

if TYPE_CHECKING:
    from quantadb.engine.settings import Settings
    from quantadb.engine.transaction_blocks import TxnState
    from quantadb.storage.store import Store


class SessionIdentity:
    """A mixin of Session (which sets `store`, `settings`, `state`, `_login`, `_roles` and `_acting`)."""

    store: Store
    settings: Settings
    state: TxnState
    _login: tuple[str, int, bool]
    _roles: tuple
    _acting: tuple[tuple[int, int], ActingRoles] | None

    # current_user: privileges are checked, and objects owned, as the role SET ROLE chose, else
    # as the session user (SET SESSION AUTHORIZATION, else the authenticated role)
    @property
    def user(self) -> str:
        return self._identity()[1][0]

    @property
    def role_oid(self) -> int:
        return self._identity()[1][1]

    @property
    def superuser(self) -> bool:
        return self._identity()[1][2]

    @property
    def acting(self) -> ActingRoles:
        """The current user and the roles whose privileges it has (engine/membership.py)."""
        key = (self.role_oid, self.store.catalog.version)
        if self._acting is None or self._acting[0] != key:
            self._acting = (key, acting_roles(self.store.catalog, self.catalog_snapshot(), key[0]))
        return self._acting[1]

    @property
    def session_user(self) -> str:
        return self._identity()[0][0]

    @property
    def session_superuser(self) -> bool:
        """Is the session user a superuser: then it may SET ROLE to any role."""
        return self._identity()[0][2]

    @property
    def authenticated_user(self) -> str:
        return self._login[0]

    @property
    def authenticated_superuser(self) -> bool:
        """Did a superuser log in: then it may SET SESSION AUTHORIZATION to any role."""
        return self._login[2]

    def _identity(self) -> tuple[tuple[str, int, bool], tuple[str, int, bool]]:
        """((name, OID, superuser) of the session user, the same of the current user), from the
        `session_authorization` and `role` settings (so both follow SET LOCAL and rollbacks as
        in PostgreSQL); cached until the settings or the catalog change."""
        values = self.settings.values
        key = (values["session_authorization"], values["role"], self.store.catalog.version)
        if self._roles and self._roles[0] == key:
            return self._roles[1]
        session = self._role_facts(key[0])
        current = session if key[1] == "none" else self._role_facts(key[1], session)
        self._roles = (key, (session, current))
        return session, current

    def _role_facts(self, name: str, fallback: tuple[str, int, bool] | None = None) -> tuple[str, int, bool]:
        # looked up again, as the login role's too: ALTER ROLE ... [NO]SUPERUSER applies to running sessions
        role = self.store.catalog.find_role(self.store.snapshot(None), name)
        if role is None:  # dropped meanwhile
            return fallback or self._login
        return role.name, role.oid, role.superuser
