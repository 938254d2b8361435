"""Recording a torch module's inputs and outputs under TransformerLens hook names (batch 1: [seq, width] each)."""

import importlib.util
import sys


class HookRecorder:
    def __init__(self):
        self.values = {}

    def _put(self, name, t):
        if name in self.values:
            raise RuntimeError(f"{name} recorded twice; one forward pass per recorder")
        t = t.detach()
        self.values[name] = t[0].reshape(t.shape[1], -1).float().numpy().copy()

    def output(self, module, name):
        """Record what `module` returns."""
        module.register_forward_hook(lambda _m, _inputs, out: self._put(name, out))

    def input(self, module, name):
        """Record `module`'s first positional input."""
        module.register_forward_pre_hook(lambda _m, inputs: self._put(name, inputs[0]))


def load_module_from_file(name, path):
    """Import a reference's source file by path (it stays outside the project) under `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
