"""`python -m model.labels`: the command; its work is in `model.trust.labels`."""

from model.trust.labels import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
