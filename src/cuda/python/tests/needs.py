"""Skips that name what is absent: a torch test skipped under an interpreter without torch says so."""
import importlib.util
import sys
import unittest

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = unittest.skipUnless(HAS_TORCH, f"torch is not installed for {sys.executable} (Debian: apt-get install python3-torch)")
