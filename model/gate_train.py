"""`python -m model.gate_train`: the command; its work is in `model.training.gate_training`."""

from model.training.gate_training import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
