from allocation.db.models import Base
from common.db.migrations import run_env

run_env(Base.metadata)
