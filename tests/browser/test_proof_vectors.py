"""The Mini App's proof-check vectors must be what the Python reference produces today."""

from __future__ import annotations

from tests.browser import proof_vectors


def test_vectors_match_the_python_draw() -> None:
    committed = proof_vectors.VECTORS_FILE.read_text()
    assert committed == proof_vectors.render(), (
        "app/miniapp/src/proof/vectors.json is stale: "
        "run `uv run python -m tests.browser.proof_vectors` and `npm test` in app/miniapp"
    )
