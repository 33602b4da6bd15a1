"""Errors the worker reports as one line (what is wrong and how to fix it) with a non-zero exit."""


class WorkerError(Exception):
    """A problem the user fixes: a bad spec, a missing package, no CUDA device."""

    exit_code = 2


class SpecError(WorkerError):
    """The spec file is unreadable or has a field the worker does not know."""


class MissingPackageError(WorkerError):
    exit_code = 3


class NoCudaError(WorkerError):
    exit_code = 4
