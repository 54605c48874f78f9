from common.db.migrations import run_env
from common.testing.example.db.models import metadata

run_env(metadata)
