"""`python -m model.ensemble`: the command; its work is in `model.training.ensemble`."""

from model.training.ensemble import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
