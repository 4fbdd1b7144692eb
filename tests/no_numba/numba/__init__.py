# A stand-in that makes numba unimportable: ci/test.sh puts tests/no_numba first on
# PYTHONPATH to run the kernel and optimizer tests the way a machine without numba would.
raise ImportError("numba is blocked for this test run (tests/no_numba)")
