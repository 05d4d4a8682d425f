"""Fixtures of the redactor's unit tests: generated clinical documents, made once per session."""

from __future__ import annotations

import pytest

from tools.synthetic import samples


@pytest.fixture(scope="session")
def clinical():
    """Four pages: numbered headings, running header/footer, a two-column page 2, a rotated last page."""
    return samples.generate(7, pages=4, rotated=True)


@pytest.fixture(scope="session")
def heldout():
    """A document of the held-out template family (upper-case unnumbered headings, Times)."""
    return samples.generate(11, pages=3, templates="heldout")
