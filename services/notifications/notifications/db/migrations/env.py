from common.db.migrations import run_env
from notifications.db.models import Base

run_env(Base.metadata)
