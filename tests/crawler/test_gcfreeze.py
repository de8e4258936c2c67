"""The garbage-collector extension: frozen at engine start, switched off by its setting."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.gcfreeze import FreezeStartupObjects


def test_objects_alive_at_engine_start_are_frozen_and_the_setting_switches_it_off():
    with pytest.raises(NotConfigured):
        FreezeStartupObjects.from_crawler(get_crawler(settings_dict={"NIANBAO_GC_FREEZE": False}))
    ext = FreezeStartupObjects.from_crawler(get_crawler(settings_dict={"NIANBAO_GC_FREEZE": True}))
    gc.unfreeze()
    try:
        ext.engine_started()
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
