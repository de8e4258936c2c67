"""The simulated portals ("the farm"): many virtual gov.cn hosts on one loopback server + proxy.

``build_farm(seed)`` plans and builds every portal deterministically; ``FarmServer(farm)`` serves
them; ``Farm.write(out_dir, proxy_url)`` writes seeds.csv and manifest.json (the ground truth).
"""

from farm.generate import Farm, build_farm
from farm.server import FarmServer

__all__ = ["Farm", "FarmServer", "build_farm"]
