import unittest

from wgml_cuda.deps import require, require_cuda
from wgml_cuda.errors import MissingPackageError, NoCudaError

from .needs import needs_torch


class DepsTest(unittest.TestCase):
    def test_a_missing_package_is_named_with_the_install_command(self):
        with self.assertRaisesRegex(MissingPackageError, r"missing Python packages: no_such_pkg_wgml; install them: \S+ -m pip install -r \S+requirements.txt"):
            require("json", "no_such_pkg_wgml")

    @needs_torch
    def test_no_cuda_device_is_its_own_error(self):
        import torch

        if torch.cuda.is_available():
            self.skipTest("this machine has a CUDA device")
        with self.assertRaisesRegex(NoCudaError, r"no CUDA device .*--backend webgpu"):
            require_cuda()


if __name__ == "__main__":
    unittest.main()
