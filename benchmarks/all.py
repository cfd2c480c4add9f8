"""Every benchmark, one after the other, with their default sizes (a few minutes).

python benchmarks/all.py            # needs: pip install docxtpl; LibreOffice for the PDF figures
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("render.py", "startup.py", "validate.py", "status.py", "attest.py", "memory.py", "pdf.py"):
    if script == "pdf.py" and shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        print("== PDF : LibreOffice absent, omis")
        continue
    subprocess.run([sys.executable, str(HERE / script)], check=True)
