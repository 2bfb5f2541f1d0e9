"""A search worker process: `python -m alphaloop.research.worker URL STUDY N OFFSET [DATA_DIR]`.

`--workers N` starts N of these; any machine that reaches the storage can run one too. The spec
comes from the study record, so every worker runs the same study.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alphaloop.model.errors import AlphaloopError


def main(argv: list[str]) -> int:
    from alphaloop.research.search import load_spec, optimize

    if len(argv) not in (4, 5):
        print(
            "usage: python -m alphaloop.research.worker URL STUDY N_TRIALS OFFSET [DATA_DIR]", file=sys.stderr
        )
        return 2
    url, name, n_trials, offset = argv[0], argv[1], int(argv[2]), int(argv[3])
    data_dir = Path(argv[4]) if len(argv) == 5 else None
    try:
        _, study = load_spec(url, name)
        optimize(study, url, n_trials, data_dir=data_dir, offset=offset)
    except AlphaloopError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
