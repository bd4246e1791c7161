"""`python -m model.predict`: the command; its work is in `model.reading.predict`."""

from model.reading.predict import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
