"""Port of pytorch/tutorials ``beginner_source/examples_nn/polynomial_nn.py`` (BSD-3).

Fits y = sin(x) on [-pi, pi] with a third-order polynomial written as
``nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))`` and plain gradient descent in
``no_grad`` (``param -= learning_rate * param.grad``).  Rewritten for portanet's test
suite with the same calls; only the import line names portanet.  Changed: 300 steps
instead of 2000, printing every 50 (a test must run in seconds).
"""
import math

import portanet as torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# the features (x, x^2, x^3): broadcasting (2000, 1) against (3,)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 50 == 49:
        print(t, loss.item())

    model.zero_grad()
    loss.backward()

    # in-place update of every parameter, outside the graph
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
