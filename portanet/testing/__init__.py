"""Testing tools: gradcheck, backend-aware assertions, the pytest plugin."""
from .gradcheck import GradcheckError, gradcheck, numerical_grad  # noqa: F401
from .asserts import assert_close  # noqa: F401
