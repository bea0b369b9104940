"""Domain errors: services raise them, routes show their message to the user."""


class DomainError(Exception):
    """A rule was broken; ``message`` is a translated sentence for the user."""

    status_code = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotAllowed(DomainError):
    status_code = 403
