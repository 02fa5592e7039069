import pytest

from runway_nb import observer


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _private_cwd(tmp_path_factory, monkeypatch):
    """The journal (.runway/) and output store (runway_outputs/) live in the working directory, as in a
    notebook: each test gets its own, so no test writes into the repository or sees another's tasks."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.delenv("RUNWAY_NB_HOME", raising=False)
    yield
    observer.close_all()  # its journal and download threads go with its folder
