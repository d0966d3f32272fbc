"""The one shape of a refused action in the service layer.

A service function that cannot do what it was asked raises a subclass of `ServiceError` whose
`code` (a short constant of its module: "slot_taken", "not_open"…) says why; the page or the API
turns the code into a message in the user's language and a status code. `params` fill that message
(a limit and its count).
"""


class ServiceError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params
