"""The exception and warning hierarchy of `vo_blazar` (modelled on pyvo.dal's).

User mistakes raise at once and also derive from the matching built-in (``ValueError`` /
``TypeError``) so that generic ``except ValueError`` code keeps working. Failures that are not the
user's fault (a VO service down, a malformed answer) are *data*: they are caught per catalogue and
reported in ``sed.meta["failures"]``, never allowed to abort a whole SED.
"""
from __future__ import annotations

from astropy.utils.exceptions import AstropyUserWarning

__all__ = [
    "VOBlazarError",
    "InputValueError",
    "InputTypeError",
    "UnknownCatalogueError",
    "RegistryError",
    "ServiceError",
    "ServiceTimeoutError",
    "RateLimitError",
    "ResponseFormatError",
    "ConversionError",
    "NameResolutionError",
    "ModelError",
    "SAMPHubNotFoundError",
    "VOBlazarWarning",
    "PartialResultWarning",
]


class VOBlazarError(Exception):
    """Base class of every error raised by vo_blazar."""


class InputValueError(VOBlazarError, ValueError):
    """A value given by the user is out of range or malformed."""


class InputTypeError(VOBlazarError, TypeError):
    """An argument has the wrong type."""


class UnknownCatalogueError(InputValueError, KeyError):
    """A catalogue name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RegistryError(VOBlazarError):
    """The catalogue registry file is inconsistent (a maintainer's error, caught at load time)."""


class NameResolutionError(InputValueError):
    """A source name could not be resolved to a position."""


class ServiceError(VOBlazarError):
    """A VO service failed.

    Parameters
    ----------
    reason : str
        What went wrong, in words.
    service : str, optional
        Catalogue or service name.
    url : str, optional
        The URL that was queried.
    cause : Exception, optional
        The underlying exception.
    """

    def __init__(self, reason: str, service: str | None = None, url: str | None = None,
                 cause: BaseException | None = None):
        self.reason = reason
        self.service = service
        self.url = url
        self.cause = cause
        where = f"{service}: " if service else ""
        at = f" ({url})" if url else ""
        super().__init__(f"{where}{reason}{at}")


class ServiceTimeoutError(ServiceError):
    """A service did not answer within the timeout."""


class RateLimitError(ServiceError):
    """A service answered HTTP 429 (Too Many Requests)."""

    def __init__(self, reason: str, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(reason, **kwargs)


class ResponseFormatError(ServiceError):
    """A service answered with something that is not a usable table (HTML, bad VOTable, overflow)."""


class ConversionError(VOBlazarError):
    """A catalogue's columns could not be converted to nuFnu (missing column, unparseable unit)."""


class ModelError(VOBlazarError):
    """A shipped or user model is missing, corrupt, or does not match its grid."""


class SAMPHubNotFoundError(VOBlazarError):
    """No running SAMP hub was found (start TOPCAT or Aladin, which run one)."""


class VOBlazarWarning(AstropyUserWarning):
    """Base class of vo_blazar warnings."""


class PartialResultWarning(VOBlazarWarning):
    """Some catalogues failed; the result is partial and names them."""
