"""The HTTP API (an adapter): FastAPI app, settings, tokens and roles.

>>> from dmzwatch.api import ApiSettings, create_app
>>> app = create_app(ApiSettings(db=":memory:"))
>>> app.title
'dmzwatch'
"""

from .app import create_app
from .settings import ApiSettings, load_settings
from .tokens import ApiToken, Role, TokenStore

__all__ = ["ApiSettings", "ApiToken", "Role", "TokenStore", "create_app", "load_settings"]
