"""`python -m model.train`: the command; its work is in `model.training.fit`."""

from model.training.fit import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
