"""Who may call the API: API keys, a trusted single-sign-on header, or nobody checks (auth off).

One ASGI middleware guards every path except a short public list, so a route added later is
protected without anyone remembering to protect it. The chat page (`/`, `/static/*`) is public
here on purpose: in production the SSO reverse proxy in front of it is what guards it.
"""

from __future__ import annotations

import ipaddress
import logging

from fastapi import Request
from fastapi.exceptions import HTTPException

from index.answer.access import Access
from index.errors import InspectQAError
from index.ingest.corpus import GROUP
from service.config import ServiceSettings
from service.errors import error_response
from service.keys import Identity, KeyRing

log = logging.getLogger("inspectqa")

# Liveness/readiness for orchestrators and load balancers, the API docs, and the chat page's files.
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/", "/manage", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
ANONYMOUS = Identity("anonymous", "none", admin=True)  # auth off: local use, the operator is the only user


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class TrustedProxies:
    """Addresses (or networks, e.g. 10.0.0.0/24) whose identity header is believed."""

    def __init__(self, entries: list[str]):
        self.networks = []
        self.names = set()
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)  # a non-IP peer name, as ASGI test transports report

    def __contains__(self, host: str | None) -> bool:
        if not host:
            return False
        if host in self.names:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self.networks)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class Authenticator:
    """Works out the Identity of a request, or None when it has none."""

    def __init__(self, settings: ServiceSettings):
        self.enabled = settings.auth == "keys"
        self.keyring = KeyRing(settings.keys_file)
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.identity_header = settings.identity_header.lower().encode("latin-1")
        self.groups_header = settings.groups_header.lower().encode("latin-1")

    def identify(self, scope) -> tuple[Identity | None, str]:
        """(identity, why not) for an HTTP scope."""
        if not self.enabled:
            return ANONYMOUS, ""
        authorization = _header(scope, b"authorization")
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None, "send the key as 'Authorization: Bearer <key>'"
            identity = self.keyring.identify(token.strip())
            return (identity, "") if identity else (None, "the API key is unknown or revoked")
        client = scope.get("client") or (None, None)
        if client[0] in self.proxies:
            user = (_header(scope, self.identity_header) or "").strip()
            if user:
                return Identity(user[:128], "sso", groups=sso_groups(_header(scope, self.groups_header))), ""
        return None, "this route needs an API key (send 'Authorization: Bearer <key>'; the service's operator issues keys) or a sign-in through the intranet's single sign-on"

    def describe(self, contact: str = "") -> str:
        """One line for the start-up log: which auth mode is on and what the chat page needs in it."""
        if not self.enabled:
            return "auth mode: off (INSPECTQA_AUTH=off); the chat page and the API answer anyone who can reach this port"
        if self.proxies.networks or self.proxies.names:
            return (
                f"auth mode: keys; API callers send a key, and the chat page works for people the single-sign-on proxy "
                f"({', '.join([*map(str, self.proxies.networks), *sorted(self.proxies.names)])}) names in {self.identity_header.decode()}"
            )
        return (
            "auth mode: keys with no trusted proxy; API callers need a key, and the chat page cannot sign anyone in: it tells "
            f"visitors to use the intranet's single sign-on and to ask {contact or 'whoever runs the intranet (set INSPECTQA_SUPPORT_CONTACT)'}; "
            "set INSPECTQA_TRUSTED_PROXIES to the SSO proxy's address for the page to work"
        )

    def warnings(self) -> list[str]:
        if not self.enabled:
            return ["authentication is OFF (INSPECTQA_AUTH=off): anyone who can reach this port can use the API; use it on 127.0.0.1 only"]
        out = []
        if not self.keyring.keys() and not self.proxies.networks and not self.proxies.names:
            out.append(f"no API keys in {self.keyring.path} and no trusted proxies: every API request will get 401; add a key with 'inspectqa keys add NAME'")
        if self.keyring.error:
            out.append(self.keyring.error)
        return out


def sso_groups(value: str | None) -> tuple[str, ...]:
    """The groups in a proxy's comma-separated groups header; names that are not group names are dropped."""
    if not value:
        return ()
    return tuple(dict.fromkeys(g.strip() for g in value.split(",")[:100] if GROUP.match(g.strip())))


def caller_access(request: Request) -> Access:
    """What the caller of `request` may see (nothing restricted when no identity was set)."""
    identity = getattr(request.state, "identity", None)
    return identity.access() if identity is not None else Access.for_groups(())


class AuthMiddleware:
    """401 JSON for every non-public path without a valid key or trusted identity; sets request.state.identity."""

    def __init__(self, app, authenticator: Authenticator):
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        identity, why = self.authenticator.identify(scope)
        if identity is None and not is_public(scope["path"]):
            challenge = 'Bearer realm="inspectqa"' + (', error="invalid_token"' if "unknown or revoked" in why else "")
            response = error_response(401, "unauthorized", why, {"WWW-Authenticate": challenge})
            return await response(scope, receive, send)
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


def require_admin(request: Request) -> Identity:
    """Route dependency: the caller holds an admin key (or auth is off)."""
    identity = getattr(request.state, "identity", None)
    if identity is None or not identity.admin:
        raise HTTPException(403, "this route needs an admin key; the service's operator issues them")
    return identity


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, settings: ServiceSettings) -> None:
    """Refuse to serve an open API on an address other machines can reach."""
    if settings.auth == "off" and not is_loopback(host):
        raise InspectQAError(
            f"refusing to listen on {host} with authentication off; set INSPECTQA_AUTH=keys "
            "(and make keys with 'inspectqa keys add NAME'), or bind 127.0.0.1"
        )


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_name(value: str) -> str:
    """The name part of a Host header or an Origin's authority: 'localhost:8000' -> 'localhost', '[::1]:80' -> '::1'."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class LocalOnlyMiddleware:
    """With auth off (`make run`) the API is open to whoever reaches it, which must be this machine only.
    Binding 127.0.0.1 is not enough on its own: a web page the operator visits can rebind its own DNS name
    to 127.0.0.1 (then its requests carry that name as Host), or post a form across sites. So a request
    whose Host is not a loopback name (or one in INSPECTQA_ALLOWED_HOSTS) gets 421, and a state-changing
    request a browser marks as coming from another site gets 403."""

    def __init__(self, app, allowed_hosts: list[str] | None = None):
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts or ()}

    def _local(self, name: str) -> bool:
        return name in self.allowed or is_loopback(name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = _host_name(_header(scope, b"host") or "")
        if not self._local(host):
            message = "with authentication off this service answers only requests addressed to localhost / 127.0.0.1"
            return await error_response(421, "wrong_host", message)(scope, receive, send)
        if scope["method"] in STATE_CHANGING:
            site = (_header(scope, b"sec-fetch-site") or "").lower()
            origin = _header(scope, b"origin")
            from_elsewhere = site in ("cross-site", "same-site") or (
                origin is not None and (origin == "null" or not self._local(_host_name(origin.split("://", 1)[-1].split("/", 1)[0])))
            )
            if from_elsewhere:
                message = "with authentication off, changes are accepted only from this service's own pages"
                return await error_response(403, "cross_site", message)(scope, receive, send)
        await self.app(scope, receive, send)
