"""`python -m model.train`: the command (`model.training.command`); its work is in
`model.training.fit`."""

from model.training.command import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
