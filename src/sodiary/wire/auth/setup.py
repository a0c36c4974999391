"""Assembles the authentication schemes and the login routes from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import BaseRoute

from sodiary.config import Settings
from sodiary.service.passwords import dummy_hash
from sodiary.service.throttle import Throttle
from sodiary.store.database import Database
from sodiary.wire.auth.apps import AppRegistry
from sodiary.wire.auth.bearer import BearerKeys, BearerScheme
from sodiary.wire.auth.schemes import Authenticator, BasicScheme, CredentialCache, Guard
from sodiary.wire.auth.sessions import LoginRoutes
from sodiary.wire.auth.tokens import SessionScheme, TicketScheme


@dataclass(frozen=True)
class Auth:
    authenticator: Authenticator
    routes: list[BaseRoute]


def build_auth(settings: Settings, db: Database) -> Auth:
    dummy_hash()  # made now, at start-up, so the first unknown name costs what every later one does
    cache = CredentialCache(settings.secret, settings.credential_cache_seconds, settings.credential_recheck_seconds)
    guard = Guard(Throttle(db, settings.auth_failure_window_seconds, settings.auth_failures_per_user,
                           settings.auth_failures_per_address))
    keys = BearerKeys(settings.jwt_secret, settings.jwt_public_key_file, settings.jwks_file)
    tickets = TicketScheme(db, cache, guard)
    sessions = SessionScheme(db, cache, guard)
    apps = AppRegistry(db, required=settings.require_app_token, reload_seconds=settings.credential_recheck_seconds)
    bearer = BearerScheme(db, cache, guard, keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                          user_claim=settings.jwt_user_claim)
    authenticator = Authenticator([BasicScheme(db, cache, guard), tickets, bearer], sessions, apps)
    routes = LoginRoutes(db, authenticator, guard, tickets, sessions, apps, settings.ticket_seconds,
                         settings.session_seconds).routes()
    return Auth(authenticator, routes)
