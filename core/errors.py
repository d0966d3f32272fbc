"""The one shape of a refused action in the service layer.

A service function that cannot do what it was asked raises a subclass of `ServiceError` whose
`code` (a short constant of its module: "slot_taken", "not_open"…) says why. The subclass carries,
beside its codes, the message of each in the user's language (`messages`) and, where it is not
409, the HTTP status a page or the API answers with (`statuses`). `params` fill the message (a
limit and its count).
"""

from collections.abc import Mapping
from typing import ClassVar

from django.utils.translation import gettext_lazy

CANNOT_NOW = gettext_lazy("This cannot be done now.")


class ServiceError(Exception):
    messages: ClassVar[Mapping[str, str]] = {}
    statuses: ClassVar[Mapping[str, int]] = {}

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @classmethod
    def message_for(cls, code: str, **params) -> str:
        """The message of `code` in the active language, filled with `params`."""
        template = str(cls.messages.get(code, CANNOT_NOW))
        return template % params if params else template

    def display_params(self) -> dict:
        """`params` as the message shows them (subclasses format dates)."""
        return self.params

    @property
    def message(self) -> str:
        return self.message_for(self.code, **self.display_params())

    @classmethod
    def status_for(cls, code: str) -> int:
        """The HTTP status a page or the API answers `code` with."""
        return cls.statuses.get(code, 409)

    @property
    def status(self) -> int:
        return self.status_for(self.code)
