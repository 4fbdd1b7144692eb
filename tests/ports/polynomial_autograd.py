"""Port of pytorch/tutorials ``beginner_source/examples_autograd/polynomial_autograd.py`` (BSD-3).

Raw tensors with ``requires_grad=True`` on an explicit ``device``/``dtype``, the manual
update ``a -= learning_rate * a.grad`` under ``no_grad``, and ``a.grad = None``.
Rewritten for portanet's test suite with the same calls; only the import line names
portanet.  Changed: 300 steps instead of 2000, printing every 50.
"""
import math

import portanet as torch

dtype = torch.float
device = torch.device("cpu")

# Create Tensors to hold input and outputs.
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# Random weights; requires_grad=True: we want their gradients during the backward pass.
a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum()
    if t % 50 == 49:
        print(t, loss.item())

    loss.backward()

    # Update the weights in place, outside the graph
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Forget the gradients after updating the weights
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
