"""`python -m model.evaluate`: the command; its work is in `model.core.evaluation`."""

from model.core.evaluation import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
