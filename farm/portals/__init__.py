"""The CMS families of the simulated portals, one module each (see farm.portals.base)."""

from farm.portals.base import Portal
from farm.portals.gkmlpt import GkmlptPortal
from farm.portals.hanweb import HanwebPortal
from farm.portals.jpaas import JpaasPortal
from farm.portals.mirror import MirrorPortal
from farm.portals.opaque import AnhuiPortal, IframePortal, ShandongPortal, SnowflakePortal, SpaPortal
from farm.portals.trs import ShtmlPortal, TrsPortal

FAMILIES: dict[str, type[Portal]] = {
    "trs": TrsPortal,
    "shtml": ShtmlPortal,
    "hanweb": HanwebPortal,
    "jpaas": JpaasPortal,
    "gkmlpt": GkmlptPortal,
    "shandong": ShandongPortal,
    "snowflake": SnowflakePortal,
    "anhui": AnhuiPortal,
    "iframe": IframePortal,
    "spa": SpaPortal,
    "mirror": MirrorPortal,
}

__all__ = ["FAMILIES", "Portal"]
