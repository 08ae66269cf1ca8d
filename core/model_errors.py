"""Errors of the churn and LTV models (the message says why a model cannot be fitted)."""


class ChurnModelError(ValueError):
    """A model cannot be fitted or used on the data given (the message says why)."""


class NotFittedError(ChurnModelError):
    """A prediction was asked of a model before :meth:`fit`."""
