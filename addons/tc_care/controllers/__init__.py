from . import oidc, portal
