"""L-BFGS (``torch.optim.LBFGS``), with PyTorch's optional strong-Wolfe line search.

A port of PyTorch's algorithm (itself from Lua torch's ``optim.lbfgs``): all parameters
are seen as one flat vector; the scalars of the method (dot products, step lengths,
the loss) are Python floats.  Departure from the no-host-sync rule, as in PyTorch:
every iteration reads scalars back to decide (``ys > 1e-10``, the convergence tests),
so L-BFGS synchronizes a GPU many times per ``step``; it is meant for small,
full-batch problems.
"""
from __future__ import annotations

from typing import Callable

from ..autograd.function import enable_grad, no_grad
from ..autograd.tensor import Tensor
from ..autograd.version import bump_many
from ..backend import to_numpy
from ..backend.inplace import iadd, iset
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    # minimum of the cubic through two points with their derivatives, clipped to bounds
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square ** 0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, dot, amax, x, t, d, f, g, gtd, c1=1e-4, c2=0.9,
                  tolerance_change=1e-9, max_ls=25):
    """Line search for a step ``t`` along ``d`` meeting the strong Wolfe conditions
    (PyTorch's ``_strong_wolfe``, step for step)."""
    d_norm = amax(d)
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    # zoom: shrink the bracket until a point satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal 1980), ``torch.optim.LBFGS``; ``step(closure)`` calls
    the closure (which zeroes the gradients, computes the loss, runs backward and returns
    the loss) up to ``max_eval`` times.

    Args:
        params: the parameters (one group only, as PyTorch).
        lr (1), max_iter (20, iterations per step), max_eval (max_iter * 5 // 4),
        tolerance_grad (1e-7), tolerance_change (1e-9), history_size (100),
        line_search_fn (None or ``"strong_wolfe"``).

    State (on the first parameter, as PyTorch): ``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``.
    Every iteration reads scalars back from the device (see the module notes).

    Example:
        >>> opt = pn.optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
        >>> opt.step(closure)
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        from .. import argcheck as A
        A.positive_int("LBFGS", "max_iter", max_iter)
        A.positive_int("LBFGS", "history_size", history_size)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        A.positive_int("LBFGS", "max_eval", max_eval)
        A.real("LBFGS", "tolerance_grad", tolerance_grad)
        A.real("LBFGS", "tolerance_change", tolerance_change)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn "
                             f"(or None), got {line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ---------------------------------------------------------- flat-vector helpers
    def _xp(self):
        return self._params[0]._bk.xp

    def _scalar(self, a) -> float:
        return float(Tensor.from_array(a, self._params[0]._bk).item())

    def _dot(self, a, b) -> float:
        return self._scalar(self._xp().vecdot(a, b))

    def _amax(self, a) -> float:
        xp = self._xp()
        return self._scalar(xp.max(xp.abs(a)))

    def _gather_flat_grad(self):
        xp = self._xp()
        views = [xp.zeros((p.numel(),), dtype=p.array.dtype, device=p._bk.device) if p.grad is None
                 else xp.reshape(p.grad.array, (-1,)) for p in self._params]
        return xp.concat(views, axis=0)

    def _add_grad(self, step: float, update) -> None:
        xp, off = self._xp(), 0
        for p in self._params:
            n = p.numel()
            p.array = iadd(p.array, xp.reshape(update[off:off + n], p.shape) * step)
            off += n
        bump_many(self._params, "an optimizer step (LBFGS)")

    def _clone_param(self):
        xp = self._xp()
        return [xp.asarray(p.array, copy=True) for p in self._params]

    def _set_param(self, data) -> None:
        for p, a in zip(self._params, data):
            p.array = iset(p.array, a)
        bump_many(self._params, "an optimizer step (LBFGS)")

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Callable | None = None):  # type: ignore[override]
        """One L-BFGS step: up to ``max_iter`` iterations, ``max_eval`` closure calls.

        Returns:
            The closure's first loss.
        """
        if closure is None:
            raise TypeError("LBFGS.step() missing 1 required positional argument: 'closure' "
                            "(L-BFGS re-evaluates the model: pass a function that computes the "
                            "loss and runs backward)")
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        def evaluate():
            with enable_grad():
                return closure()
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = self._xp()
        state = self.state.setdefault(self._params[0], {})
        self._placed[self._params[0]] = (self._params[0]._bk, self._params[0].array.dtype)
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if self._amax(flat_grad) <= tolerance_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:           # first iteration: steepest descent
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:                              # the two-loop recursion
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = self._dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / self._dot(y, y)
                num_old = len(old_dirs)
                al = [None] * num_old
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = self._dot(old_stps[i], q) * ro[i]
                    q = q + old_dirs[i] * (-al[i])
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = self._dot(old_dirs[i], r) * ro[i]
                    r = r + old_stps[i] * (al[i] - be_i)
                d = r
            prev_flat_grad = xp.asarray(flat_grad, copy=True)
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / self._scalar(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = self._dot(flat_grad, d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                x_init = self._clone_param()
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    lambda x, t, d: self._directional_evaluate(evaluate, x, t, d), self._dot,
                    self._amax, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = self._amax(flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:         # the last iteration's loss is not needed
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = self._amax(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if self._amax(d * t) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # ---------------------------------------------------------------- state dict
    _STATE = ("func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
              "prev_flat_grad", "prev_loss")

    def state_dict(self) -> dict:
        """As PyTorch: the method's state under parameter 0; arrays as Tensors (copies)."""
        bk = self._params[0]._bk

        def out(v):
            if isinstance(v, list):
                return [out(x) for x in v]
            if hasattr(v, "shape") and hasattr(v, "dtype"):
                return Tensor.from_array(bk.xp.asarray(v, copy=True), bk)
            return v
        st = self.state.get(self._params[0])
        g = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        g["params"] = list(range(len(self._params)))
        return {"state": {} if st is None else {0: {k: out(v) for k, v in st.items()}},
                "param_groups": [g]}

    def _load_param_state(self, name, i, p, group, saved):
        unknown = set(saved) - set(self._STATE)
        if i != 0 or unknown:
            raise ValueError(f"{name}: LBFGS keeps its state under parameter 0 with entries "
                             f"{list(self._STATE)}; got parameter {i} with {sorted(saved)}")
        bk, n = p._bk, sum(q.numel() for q in self._params)

        def back(k, v):
            if isinstance(v, (list, tuple)):
                return [back(k, x) for x in v]
            if hasattr(v, "shape") and hasattr(v, "dtype"):
                host = to_numpy(v)
                if k != "t" and tuple(host.shape) != (n,):
                    raise ValueError(f"{name}: state {k!r} has shape {tuple(host.shape)}, the "
                                     f"parameters hold {n} numbers")
                return float(host) if host.ndim == 0 else bk.asarray(host.copy(), p.dtype)
            return v
        return {k: back(k, v) for k, v in saved.items()}
