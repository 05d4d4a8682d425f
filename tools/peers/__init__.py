"""`veil bench peers`: Veil and Microsoft Presidio on the same PDFs, scored by the same function, side by side.

Presidio runs in a virtual environment of its own (`venv`, deployment/requirements/bench-peers.txt),
as a subprocess executing `presidio_runner.py`; Veil runs as its whole stack behind the gateway's
public API (`run_veil`). Both get the very same PDF bytes (`corpus`), both outputs are scored by
`tools.evaluation.score_document`, and `report` puts quality and throughput side by side.
"""

from veil.paths import REPO_ROOT

DEFAULT_GOLD = REPO_ROOT / "tools" / "devset" / "data"
