from common.db.migrations import run_env
from dashboards.db.models import Base

run_env(Base.metadata)
