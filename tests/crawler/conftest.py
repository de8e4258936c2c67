"""Make the helpers of this folder (mock portal, replay) importable by the tests here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
