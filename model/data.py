"""`python -m model.data`: the command; its work is in `model.core.mnist`."""

from model.core.mnist import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
