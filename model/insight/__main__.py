"""`python -m model.insight`: the command; its work is in `model.insight.derived`."""

from model.insight.derived import main

raise SystemExit(main())
