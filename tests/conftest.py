"""What every test file shares: Agg matplotlib, one thread per library, seeded hypothesis, a small MNIST split.

pytest-xdist runs test files on every core at once, so each library is held to one thread: on a 2-core
machine extra BLAS/OpenMP threads only contend with the other worker.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # read by torch and OpenBLAS when they start
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib
import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")
_THREADS = threadpool_limits(1)  # kept for the whole session
# the same examples on every run and machine, and no example database written into the working tree
settings.register_profile("workbook", derandomize=True, database=None, deadline=None)
settings.load_profile("workbook")


@pytest.fixture(scope="session")
def small_mnist():
    """1,000 training and 300 validation images of the bundled subset, one-hot labels, seed 0."""
    from helpers.mnist import load_mnist

    return load_mnist(1000, 300, random_state=0)
