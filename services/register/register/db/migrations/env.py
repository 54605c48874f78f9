from common.db.migrations import run_env
from register.db.models import Base

run_env(Base.metadata)
