"""botox-market: analysis toolkit for the US cosmetic botulinum-toxin market."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("botox-market")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
