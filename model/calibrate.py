"""`python -m model.calibrate`: the command; its work is in `model.training.calibrate`."""

from model.training.calibrate import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
