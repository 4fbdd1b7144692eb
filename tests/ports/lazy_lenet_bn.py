"""LeNet with batch normalization built from lazy layers, in the style of the textbook
*Dive into Deep Learning* (chapter "Batch Normalization", concise implementation).

``nn.LazyConv2d``/``nn.LazyBatchNorm2d``/``nn.LazyLinear``/``nn.LazyBatchNorm1d`` in a
``Sequential``; a dry run on one batch fixes the shapes, then ``apply`` re-initializes
every ``nn.Linear``/``nn.Conv2d`` with Xavier (the lazy layers have become those
classes), then minibatch SGD on FashionMNIST-shaped data.  Written for portanet's test
suite (the book trains with its own ``d2l`` package: the loop here is plain PyTorch);
only the import lines name portanet; the data come from ``port_data.fashion_mnist``.
"""
import portanet as torch
from portanet import nn
import portanet.nn.functional as F
from portanet.utils.data import DataLoader

import port_data  # port: stands in for d2l.FashionMNIST

net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(10))

train_iter = DataLoader(port_data.fashion_mnist(train=True, n=64), batch_size=16, shuffle=True)
test_iter = DataLoader(port_data.fashion_mnist(train=False, n=32), batch_size=16)


def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


X, _ = next(iter(train_iter))
net(X)                      # the dry run: shapes inferred, lazy layers become ordinary ones
net.apply(init_cnn)
print(net)
print([tuple(p.shape) for p in net.parameters()])

optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(2):
    net.train()
    total, n = 0.0, 0
    for X, y in train_iter:
        loss = F.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    net.eval()
    correct = 0
    with torch.no_grad():
        for X, y in test_iter:
            correct += (net(X).argmax(dim=1) == y).sum().item()
    print(f"epoch {epoch + 1}: train loss {total / n:.4f}, test accuracy {correct / len(test_iter.dataset):.3f}")
