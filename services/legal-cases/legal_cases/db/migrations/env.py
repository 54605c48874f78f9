from common.db.migrations import run_env
from legal_cases.db.models import Base

run_env(Base.metadata)
