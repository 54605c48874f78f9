from common.db.migrations import run_env
from governance.db.models import Base

run_env(Base.metadata)
