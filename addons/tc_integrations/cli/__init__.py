from . import legacy_import
