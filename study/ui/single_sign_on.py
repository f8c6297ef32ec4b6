"""Single sign-on through Streamlit's own ``st.login`` (OpenID Connect).

Configured the Streamlit way: an ``[auth]`` section in ``.streamlit/secrets.toml``
(or a file named by ``STREAMLIT_SECRETS_FILES``) with ``redirect_uri``
(``<STUDY_BASE_URL>/oauth2callback``), ``cookie_secret``, ``client_id``,
``client_secret`` and ``server_metadata_url``; Authlib does the protocol. After the
provider sends the person back, the login page maps the provider's e-mail to an
existing account (:func:`study.admin.login.log_in_with_identity`) and starts an
ordinary study session; Streamlit's identity cookie is then dropped, so idle timeout,
lifetime and logout work as for passwords. Signing in never creates an account.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from study.config import setting

#: An identity older than this (seconds since the provider issued it) is not used:
#: a copied identity cookie cannot log anyone in later.
FRESH_SECONDS = 600


@dataclass(frozen=True)
class Identity:
    """What the identity provider said about the person (from st.user)."""

    email: str | None
    email_verified: bool | None


def sign_in_configured() -> bool:
    """Whether an OpenID Connect provider is configured (``[auth]`` in the secrets)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # a malformed secrets file: no single sign-on, password login still works
        return False


def provider_label() -> str:
    """The sign-in button's name for the provider (STUDY_SSO_NAME)."""
    return setting("STUDY_SSO_NAME")


def identity() -> Identity | None:
    """The person the provider just signed in, or None (none, not configured, or stale)."""
    if not sign_in_configured() or not st.user.get("is_logged_in"):
        return None
    issued = st.user.get("iat")
    if isinstance(issued, (int, float)) and time.time() - issued > FRESH_SECONDS:
        return None
    verified = st.user.get("email_verified")
    return Identity(st.user.get("email"), verified if isinstance(verified, bool) else None)
