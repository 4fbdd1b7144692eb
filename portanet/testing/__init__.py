"""Testing tools: gradcheck, backend-aware assertions, the backend parity harness and
the pytest plugin (``portanet.testing.pytest_plugin``, registered with pytest on install)."""
from .gradcheck import GradcheckError, gradcheck, numerical_grad  # noqa: F401
from .asserts import assert_close  # noqa: F401
from .parity import (BackendResult, BackendsDiverged, Divergence, ParityReport,  # noqa: F401
                     assert_backends_equivalent, compare_backends)
from .syncs import HostSyncs, count_host_syncs, countable  # noqa: F401
