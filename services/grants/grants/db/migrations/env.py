from common.db.migrations import run_env
from grants.db.models import Base

run_env(Base.metadata)
