"""The one exception tree of sciReason.

::

    SciReasonError
     ├── InputError (also ValueError)        bad user input: named value + what to do
     │    ├── UnknownTaskError (also KeyError) a task id/keyword that matches no task
     │    └── InvalidSequenceError            an unparsable SMILES, foreign letters in a sequence
     ├── ConfigError (also ValueError)        a bad config file / flag / target string
     │    └── TargetSyntaxError               a target string; carries the bad token and its column
     ├── BackendError                         a model call failed
     │    ├── BackendTimeout
     │    ├── BackendConnectionError
     │    ├── BackendHTTPError                carries status_code
     │    └── ModelNotFoundError              weights missing (path named), never a hang or download
     ├── ParseError                           internal: an answer could not be parsed (results carry it as a reason)
     ├── OracleError                          an oracle could not be built or run at all
     ├── BudgetExhaustedError                 a hard oracle budget is spent
     └── MissingDependencyError (also ImportError)  an optional extra is not installed; names the pip command

Batch APIs never raise for one bad item: they return an :class:`ItemError` value in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BackendConnectionError",
    "BackendError",
    "BackendHTTPError",
    "BackendTimeout",
    "BudgetExhaustedError",
    "ConfigError",
    "InputError",
    "InvalidSequenceError",
    "ItemError",
    "MissingDependencyError",
    "ModelNotFoundError",
    "OracleError",
    "ParseError",
    "SciReasonError",
    "TargetSyntaxError",
    "UnknownTaskError",
]


class SciReasonError(Exception):
    """Root of every error sciReason raises on purpose."""


class InputError(SciReasonError, ValueError):
    """Bad user input, detected before any model call."""


class UnknownTaskError(InputError, KeyError):
    """No task matches the given id or keywords."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InvalidSequenceError(InputError):
    """A molecule or sequence given as input does not parse or has foreign letters."""


class ConfigError(SciReasonError, ValueError):
    """A configuration value, file or command-line flag is invalid."""


class TargetSyntaxError(ConfigError):
    """A design target string is malformed.

    Attributes:
        text: the whole target string.
        position: 0-based column of the bad token.
        token: the bad token.
    """

    def __init__(self, message: str, text: str = "", position: int = 0, token: str = "") -> None:
        self.text = text
        self.position = position
        self.token = token
        if text:
            pointer = " " * position + "^" * max(1, len(token))
            message = f"{message}\n  {text}\n  {pointer}"
        super().__init__(message)


class BackendError(SciReasonError):
    """A model backend call failed."""

    retryable: bool = False


class BackendTimeout(BackendError):
    retryable = True


class BackendConnectionError(BackendError):
    retryable = True


class BackendHTTPError(BackendError):
    def __init__(self, message: str, status_code: int, body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.retryable = status_code in (408, 409, 429) or status_code >= 500


class ModelNotFoundError(BackendError):
    """Model weights are missing; the message names the path or id and the fix."""


class ParseError(SciReasonError):
    """An answer could not be parsed (used internally; results carry the reason instead)."""


class OracleError(SciReasonError):
    """An oracle could not be constructed or run."""


class BudgetExhaustedError(SciReasonError):
    """The hard oracle-call budget is spent."""


class MissingDependencyError(SciReasonError, ImportError):
    """An optional dependency is missing; the message names the pip command."""


@dataclass(frozen=True)
class ItemError:
    """An error in place of one item's result inside a batch (the batch keeps its good items).

    Attributes:
        input: the offending input, as given.
        error_type: the exception class name, e.g. ``"InvalidSequenceError"``.
        message: a human-readable explanation naming the value and the fix.
        retryable: whether retrying the same item may succeed.
    """

    input: object
    error_type: str
    message: str
    retryable: bool = False

    valid = False

    @classmethod
    def from_exception(cls, item: object, exc: BaseException) -> ItemError:
        return cls(
            input=item,
            error_type=type(exc).__name__,
            message=str(exc),
            retryable=bool(getattr(exc, "retryable", False)),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "error": {"type": self.error_type, "message": self.message, "retryable": self.retryable},
            "valid": False,
        }


def missing(extra_pkg: str, pip: str, feature: str) -> MissingDependencyError:
    """Build the error for a missing optional dependency."""
    return MissingDependencyError(f"{feature} needs the package '{extra_pkg}'. Install it with: {pip}")
